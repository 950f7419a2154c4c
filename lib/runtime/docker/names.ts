/** What berth names things on the engine, so several projects can run side by side. */
export const networkName = (project: string) => `${project}_default`;
export const volumeName = (project: string, name: string) => `${project}_${name}`;
export const containerName = (project: string, service: string) => `${project}-${service}`;
