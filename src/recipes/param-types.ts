/**
 * Parameter types a recipe may declare, each a strict ASCII pattern. Values that pass are safe to hand to a
 * shell as the single-quoted value of an environment variable; nothing else is ever accepted.
 */

const label = '[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?';
const hostname = `${label}(?:\\.${label})*`;
const ipv4Octet = '(?:25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])';
const ipv4 = `${ipv4Octet}(?:\\.${ipv4Octet}){3}`;
const host = `(?:${ipv4}|${hostname})`;
const imageComponent = '[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*';
const registry = `(?:${hostname}(?::[0-9]{1,5})?/)`;
const image = `${registry}?${imageComponent}(?:/${imageComponent})*(?::[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?(?:@sha256:[a-f0-9]{64})?`;
const pkg = '[A-Za-z0-9][A-Za-z0-9.+_~:=-]{0,127}';

/** The declared type names, as written in `recipe.yaml`. */
export const PARAM_TYPES = [
  'hostname',
  'ipv4',
  'host',
  'host-list',
  'image',
  'package-list',
  'url',
  'name',
  'int',
  'flag',
] as const;
export type ParamType = (typeof PARAM_TYPES)[number];

interface TypeRule {
  pattern: RegExp;
  /** How a valid value looks, for error messages. */
  hint: string;
  /** Longest accepted value in characters. */
  maxLength: number;
}

/** Patterns are anchored; every one is ASCII-only, so unicode look-alikes never match. */
export const PARAM_RULES: Record<ParamType, TypeRule> = {
  hostname: { pattern: new RegExp(`^${hostname}$`), hint: 'a hostname (letters, digits, "-" and ".")', maxLength: 253 },
  ipv4: { pattern: new RegExp(`^${ipv4}$`), hint: 'an IPv4 address like 10.0.0.5', maxLength: 15 },
  host: { pattern: new RegExp(`^${host}$`), hint: 'a hostname or IPv4 address', maxLength: 253 },
  'host-list': {
    pattern: new RegExp(`^${host}(?:,${host}){0,31}$`),
    hint: 'comma-separated hostnames or IPv4 addresses, no spaces',
    maxLength: 2048,
  },
  image: { pattern: new RegExp(`^${image}$`), hint: 'a Docker image like registry:5000/team/app:1.2', maxLength: 512 },
  'package-list': {
    pattern: new RegExp(`^${pkg}(?: ${pkg}){0,63}$`),
    hint: 'package names separated by single spaces',
    maxLength: 2048,
  },
  url: {
    pattern: /^https?:\/\/[A-Za-z0-9.-]+(?::[0-9]{1,5})?(?:\/[A-Za-z0-9._~/%+-]*)?$/,
    hint: 'an http(s) URL without query string',
    maxLength: 1024,
  },
  name: { pattern: /^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$/, hint: 'letters, digits, "_", "-" and "."', maxLength: 63 },
  int: { pattern: /^(?:0|[1-9][0-9]{0,8})$/, hint: 'a whole number', maxLength: 9 },
  flag: { pattern: /^[01]$/, hint: '0 or 1', maxLength: 1 },
};

/** Environment variable names a recipe may declare: upper case, so they cannot shadow shell internals by accident. */
export const PARAM_NAME = /^[A-Z][A-Z0-9_]{0,63}$/;
