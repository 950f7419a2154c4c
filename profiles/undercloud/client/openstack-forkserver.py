# The openstack client, started once: verify runs ~50 openstack commands, and each new Python process spends
# ~2 s importing the client and its plugins before it sends one request. This process imports them once,
# then forks a child per command (openstack-shim.py connects, hands over its stdin/stdout/stderr and its
# argv, environment and directory, and gets the exit status back). Children are copies of a warm process,
# so commands run side by side and none sees another's state.
import importlib
import json
import os
import signal
import socket
import struct
import sys

SOCKET = '/run/berth-openstack.sock'
WARM = [
    'openstackclient.shell',
    'openstack.config',
    'openstack.connection',
    'keystoneauth1.session',
    'cliff.formatters.value',
    'cliff.formatters.table',
    'openstackclient.identity.v3.catalog',
    'openstackclient.identity.v3.token',
    'openstackclient.image.v2.image',
    'openstackclient.network.v2.network',
    'openstackclient.network.v2.subnet',
    'openstackclient.compute.v2.service',
    'novaclient.client',
    'glanceclient.v2.client',
    'heatclient.v1.client',
    'heatclient.osc.v1.stack',
    'ironicclient.v1.client',
    'ironicclient.osc.v1.baremetal_node',
    'ironicclient.osc.v1.baremetal_conductor',
    'osc_placement.resources.resource_provider',
]


def warm():
    for name in WARM:
        try:
            importlib.import_module(name)
        except Exception:  # a plugin this image lacks: its commands import it in the child, as before
            pass


def receive(conn):
    head, fds, _, _ = socket.recv_fds(conn, 65536, 3)
    (length,) = struct.unpack('!I', head[:4])
    body = head[4:]
    while len(body) < length:
        chunk = conn.recv(length - len(body))
        if not chunk:
            raise EOFError('the shim went away')
        body += chunk
    return json.loads(body), fds


def child(conn, request, fds):
    for target, fd in enumerate(fds):
        os.dup2(fd, target)
        os.close(fd)
    os.environ.clear()
    os.environ.update(request['env'])
    os.chdir(request['cwd'])
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)
    code = 1
    try:
        from openstackclient import shell

        sys.argv = ['openstack', *request['argv']]
        code = shell.main(request['argv'])
    except SystemExit as e:
        code = e.code if isinstance(e.code, int) else 1
    except BaseException as e:
        print(f'openstack: {e}', file=sys.stderr)
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        conn.sendall(str(code or 0).encode())
        os._exit(0)


def serve():
    warm()
    # Children are not waited for here: the kernel reaps them, and each reports its own exit status.
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, lambda *_: os._exit(0))
    if os.path.exists(SOCKET):
        os.unlink(SOCKET)
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(SOCKET + '.new')
    server.listen(64)
    # Shims fall back to a plain openstack process until the socket appears, so it appears warm.
    os.rename(SOCKET + '.new', SOCKET)
    while True:
        conn, _ = server.accept()
        try:
            request, fds = receive(conn)
        except Exception as e:
            print(f'openstack-forkserver: bad request: {e}', file=sys.stderr)
            conn.close()
            continue
        if os.fork() == 0:
            server.close()
            child(conn, request, fds)
        for fd in fds:
            os.close(fd)
        conn.close()


if __name__ == '__main__':
    serve()
