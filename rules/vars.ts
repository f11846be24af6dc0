/**
 * Rule variables (`$HOME_NET`, `$HTTP_PORTS` …) with the values Suricata's default suricata.yaml gives
 * them. Callers override or add entries (`--var NAME=VALUE`); values may reference other variables.
 *
 * Cold path only; no I/O.
 *
 * @example
 * ```ts
 * import { defaultVars } from "./vars.ts";
 * console.log(defaultVars({ HOME_NET: "[10.1.0.0/16]" }).HOME_NET); // "[10.1.0.0/16]"
 * ```
 */

/** Address groups as suricata.yaml ships them (vars.address-groups). */
export const DEFAULT_ADDRESS_VARS: Readonly<Record<string, string>> = {
  HOME_NET: "[192.168.0.0/16,10.0.0.0/8,172.16.0.0/12]",
  EXTERNAL_NET: "!$HOME_NET",
  HTTP_SERVERS: "$HOME_NET",
  SMTP_SERVERS: "$HOME_NET",
  SQL_SERVERS: "$HOME_NET",
  DNS_SERVERS: "$HOME_NET",
  TELNET_SERVERS: "$HOME_NET",
  AIM_SERVERS: "$EXTERNAL_NET",
  DC_SERVERS: "$HOME_NET",
  DNP3_SERVER: "$HOME_NET",
  DNP3_CLIENT: "$HOME_NET",
  MODBUS_CLIENT: "$HOME_NET",
  MODBUS_SERVER: "$HOME_NET",
  ENIP_CLIENT: "$HOME_NET",
  ENIP_SERVER: "$HOME_NET",
};

/** Port groups as suricata.yaml ships them (vars.port-groups). */
export const DEFAULT_PORT_VARS: Readonly<Record<string, string>> = {
  HTTP_PORTS: "80",
  SHELLCODE_PORTS: "!80",
  ORACLE_PORTS: "1521",
  SSH_PORTS: "22",
  DNP3_PORTS: "20000",
  MODBUS_PORTS: "502",
  FILE_DATA_PORTS: "[$HTTP_PORTS,110,143]",
  FTP_PORTS: "21",
  GENEVE_PORTS: "6081",
  VXLAN_PORTS: "4789",
  TEREDO_PORTS: "3544",
};

/** The default variables with `overrides` applied (names without the `$`). */
export function defaultVars(overrides: Record<string, string> = {}): Record<string, string> {
  return { ...DEFAULT_ADDRESS_VARS, ...DEFAULT_PORT_VARS, ...overrides };
}
