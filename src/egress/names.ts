import { fitHostname } from '../hostname.js'

/** How an agent reaches its gateway, and the gateway its agent: names and ports only. */

/** The proxy port inside the gateway, and the port its relay serves the agent's server on. */
export const PROXY_PORT = 3128
export const RELAY_PORT = 4096

/**
 * The gateway's name, which is also its hostname and the name the agent's proxy settings reach it
 * by: within a hostname label however long the agent's name is.
 */
export const gatewayName = (agent: string): string => fitHostname(agent, '-egress')
/** What the agent's HTTP(S)_PROXY point at: the gateway, by its name on the agent's network. */
export const proxyUrl = (agent: string): string => `http://${gatewayName(agent)}:${PROXY_PORT}`
