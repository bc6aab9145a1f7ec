/** How an agent reaches its gateway, and the gateway its agent: names and ports only. */

/** The proxy port inside the gateway, and the port its relay serves the agent's server on. */
export const PROXY_PORT = 3128
export const RELAY_PORT = 4096

export const gatewayName = (agent: string): string => `${agent}-egress`
/** What the agent's HTTP(S)_PROXY point at: the gateway, by its name on the agent's network. */
export const proxyUrl = (agent: string): string => `http://${gatewayName(agent)}:${PROXY_PORT}`
