/**
 * How the backend lies in the plugin folder: made by scripts/build-backend.mjs, checked by scripts/validate-dist.mjs.
 *
 *   <executable>_linux_<arch>        what Grafana starts (by this name, no arguments, maybe an empty environment):
 *                                    a /bin/sh launcher using shell built-ins only, which execs
 *   runtime/linux_<arch>/<loader>    glibc's dynamic loader, shipped (Debian 12), with
 *     --library-path runtime/linux_<arch>   the libraries the Node.js runtime needs (RUNTIME_LIBS), shipped too,
 *     runtime/linux_<arch>/backend   the Node.js single executable application (the backend itself).
 *   runtime/linux_<arch>/licenses/   the libraries' copyright files and where their sources are (in each runtime folder:
 *                                    webpack's `clean` keeps only paths with _amd64/_arm64 in them)
 *
 * So the backend needs nothing of the host's C library: it runs on glibc systems and on musl ones without glibc or
 * libstdc++ (Grafana's default Alpine images) alike.
 */
export const RUNTIME_TARGETS = {
  amd64: { eMachine: 62, machine: 'x86-64', loader: 'ld-linux-x86-64.so.2', triplet: 'x86_64-linux-gnu' },
  arm64: { eMachine: 183, machine: 'AArch64', loader: 'ld-linux-aarch64.so.1', triplet: 'aarch64-linux-gnu' },
};

/** What the Node.js runtime's ELF needs (`readelf -d`: NEEDED), besides the loader. */
export const RUNTIME_LIBS = [
  'libc.so.6',
  'libm.so.6',
  'libdl.so.2',
  'libpthread.so.0',
  'libstdc++.so.6',
  'libgcc_s.so.1',
];

/** The backend executable inside the runtime folder. */
export const BACKEND = 'backend';
/** In the runtime folder: README (what is shipped, its sources) and the Debian copyright files. */
export const LICENSES = 'licenses';
export const LICENSE_FILES = ['README', 'libc6.copyright', 'gcc-12.copyright'];

export function runtimeDir(target) {
  return `runtime/linux_${target}`;
}

/** The launcher's text. `${0%/*}`: the launcher's folder without dirname (not a built-in); `--argv0`: glibc >= 2.33. */
export function launcher(target) {
  const dir = runtimeDir(target);
  const { loader } = RUNTIME_TARGETS[target];
  return [
    '#!/bin/sh',
    `# Starts the Inference Log Analytics backend (${dir}/${BACKEND}, a Node.js single executable) with the glibc`,
    `# loader and libraries in ${dir}/, never the system's: it runs where there is no glibc or libstdc++`,
    '# (Alpine). Shell built-ins only: Grafana may start it with an empty environment. Made by build-backend.mjs.',
    'case $0 in */*) d=${0%/*} ;; *) d=. ;; esac',
    `r=$d/${dir}`,
    '# Transparent huge pages for the large arrays malloc maps (the store, read buffers): one page fault per 2 MiB',
    '# instead of 512, where the kernel gives them on request (THP "madvise"); the shipped glibc reads the tunable.',
    'GLIBC_TUNABLES=${GLIBC_TUNABLES:+$GLIBC_TUNABLES:}glibc.malloc.hugetlb=1',
    'export GLIBC_TUNABLES',
    `exec "$r/${loader}" --library-path "$r" --argv0 "$0" "$r/${BACKEND}" "$@"`,
    '',
  ].join('\n');
}
