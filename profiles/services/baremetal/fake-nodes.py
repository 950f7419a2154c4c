"""Enroll fake-hardware ironic nodes nova can schedule onto (baremetal-fake-nodes.yaml says why).

One process with openstacksdk rather than an openstack command per step: each command costs about a second to
start, and twelve nodes took 11 s each that way. Idempotent: what exists is kept and brought to available.
"""

import os
import subprocess
import sys
import time

import openstack

env = os.environ
count = int(env["FAKE_NODES"])
resource_class = env["RESOURCE_CLASS"]
placement_class = "CUSTOM_" + resource_class.upper().replace("-", "_")
mac_prefix = env["MAC_PREFIX"]

conn = openstack.connect(cloud="internal", baremetal_api_version="1.78")


def until(what, ready, seconds=120):
    deadline = time.monotonic() + seconds
    while True:
        value = ready()
        if value:
            return value
        if time.monotonic() > deadline:
            sys.exit(f"timed out after {seconds} s waiting for {what}")
        time.sleep(0.5)


# The whole node is what nova schedules: each flavor asks for one of the resource class and nothing else.
for name in (env["FLAVOR"], env["FLAVOR_ALT"]):
    if conn.compute.find_flavor(name) is None:
        flavor = conn.compute.create_flavor(name=name, ram=1024, vcpus=1, disk=10)
        specs = {f"resources:{placement_class}": "1"}
        specs.update({f"resources:{r}": "0" for r in ("VCPU", "MEMORY_MB", "DISK_GB")})
        conn.compute.create_flavor_extra_specs(flavor, specs)

# fake-hardware's deploy writes nothing, so any bytes do as the image.
if conn.image.find_image(env["IMAGE"]) is None:
    conn.create_image(env["IMAGE"], data=b"\0" * 1048576, disk_format="raw", container_format="bare",
                      visibility="public", wait=True)

nodes = []
for i in range(1, count + 1):
    node = conn.baremetal.find_node(f"fake-node-{i}")
    if node is None:
        node = conn.baremetal.create_node(
            name=f"fake-node-{i}", driver="fake-hardware", resource_class=resource_class,
            deploy_interface="fake", boot_interface="fake", power_interface="fake", management_interface="fake",
            properties={"cpus": 1, "memory_mb": 1024, "local_gb": 10, "cpu_arch": "x86_64"})
    # A port's physical network is what ironic-neutron-agent reports and ML2's baremetal driver binds on.
    have = {p.address for p in conn.baremetal.ports(node_id=node.id)}
    for nic in range(1, int(env["PORTS_PER_NODE"]) + 1):
        address = f"{mac_prefix}:{i:02x}:{nic:02x}"
        if address not in have:
            conn.baremetal.create_port(node_id=node.id, address=address, physical_network=env["PHYSNET"])
    nodes.append(node)


def advance(action, source, target):
    moving = [n for n in nodes if conn.baremetal.get_node(n.id).provision_state == source]
    for node in moving:
        conn.baremetal.set_node_provision_state(node, action)
    if moving:
        conn.baremetal.wait_for_nodes_provision_state(moving, target, timeout=120)


advance("manage", "enroll", "manageable")
# fake power reports what it was last told; nova counts a node with no power state as unavailable.
for node in nodes:
    conn.baremetal.set_node_power_state(node, "power off")
advance("provide", "manageable", "available")
ids = {n.id for n in nodes}

# nova-compute lists the nodes on its next resource update (update_resources_interval); each becomes a compute
# node that must be mapped into cell1 before the scheduler considers it.
until("nova to list every node", lambda: ids <= {h.name for h in conn.compute.hypervisors()})
subprocess.run(["nova-manage", "--config-file", env["NOVA_CONF"], "cell_v2", "discover_hosts"], check=True)


def offered():
    url = f"/allocation_candidates?resources={placement_class}:1"
    body = conn.placement.get(url, microversion="1.10").json()
    return len(body["provider_summaries"]) >= count


until("placement to offer every node", offered)
print(f"{count} fake nodes available to nova as flavor {env['FLAVOR']}")
