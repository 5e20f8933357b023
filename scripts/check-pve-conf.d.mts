/** Types of scripts/check-pve-conf.mjs (Proxmox VE VM configuration checker), for the tests. */
export interface PveProperty {
    readonly type?: string;
    readonly format?: string | Record<string, PveProperty>;
    readonly typetext?: string;
    readonly enum?: readonly string[];
    readonly pattern?: string;
    readonly minimum?: number;
    readonly maximum?: number;
    readonly maxLength?: number;
    readonly optional?: number;
    readonly default_key?: number;
}
export declare const INDEX_LIMITS: Readonly<Record<string, number>>;
export declare function vmConfigProperties(apidataText: string): Record<string, PveProperty>;
export declare function subKeysOfTypetext(typetext: string): { keys: Record<string, string>; defaultKey?: string };
export declare function checkValue(schema: PveProperty, value: string, what: string): string[];
export declare function checkPveConfig(text: string, props: Record<string, PveProperty>): string[];
