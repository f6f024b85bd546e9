import type { Spec } from '../../../src/spec/types.js';

/** Every key, in the forms users write them. Line numbers matter to the `where` tests in load.test.ts. */
export const FULL_YAML = `# a complete spec
name: acme/api
tag: v1.2.3
archs: [amd64, arm64]
created: 2024-01-01T01:00:00+01:00
entrypoint: /usr/bin/api --config "/etc/api/config.yaml"
cmd: [--port, "8080"]
env:
  PORT: 8080
  DEBUG: false
  GREETING: hello world
  EMPTY: ""
workdir: /srv//app/
user: nonroot:nonroot
ports: [8080, "9090", "53/udp", 5000/sctp]
volumes: [/data/, /var//cache]
labels:
  org.opencontainers.image.title: api
annotations:
  org.opencontainers.image.source: https://example.com/api
stop-signal: SIGINT
accounts:
  preset: none
  users:
    - name: app
      uid: 1000
    - { name: admin, uid: 0, gid: 10, home: /admin, shell: /bin/sh, gecos: The Admin }
  groups:
    - name: app
      gid: 1000
      members: [app]
    - { name: wheel, gid: 10 }
files:
  - src: ./config.yaml
    dest: /etc/api/config.yaml
    mode: "0644"
    owner: 65532
  - src: /etc/ssl/certs/ca-certificates.crt
    dest: /etc/ssl/certs/ca-certificates.crt/
    owner: "nonroot:nonroot"
binaries:
  - /usr/bin/curl
  - src: ./build/api
    dest: /usr/bin/api
  - { src: /usr/local/bin/tool }
paths:
  - { path: /var/run/api, type: dir, mode: "1777", owner: nonroot }
  - path: /etc/api/motd
    type: file
    content: |
      hello
    mode: "444"
  - { path: /usr/bin/api-link, type: symlink, target: api }
`;

export const FULL_SPEC: Spec = {
  name: 'acme/api',
  tag: 'v1.2.3',
  archs: ['amd64', 'arm64'],
  created: 1704067200,
  entrypoint: ['/usr/bin/api', '--config', '/etc/api/config.yaml'],
  cmd: ['--port', '8080'],
  env: { PORT: '8080', DEBUG: 'false', GREETING: 'hello world', EMPTY: '' },
  workdir: '/srv/app',
  user: 'nonroot:nonroot',
  ports: ['8080/tcp', '9090/tcp', '53/udp', '5000/sctp'],
  volumes: ['/data', '/var/cache'],
  labels: { 'org.opencontainers.image.title': 'api' },
  annotations: { 'org.opencontainers.image.source': 'https://example.com/api' },
  stopSignal: 'SIGINT',
  accounts: {
    preset: 'none',
    users: [
      { name: 'app', uid: 1000, gid: 1000, home: '/home/app', shell: '/sbin/nologin', gecos: 'app' },
      { name: 'admin', uid: 0, gid: 10, home: '/admin', shell: '/bin/sh', gecos: 'The Admin' },
    ],
    groups: [
      { name: 'app', gid: 1000, members: ['app'] },
      { name: 'wheel', gid: 10, members: [] },
    ],
  },
  files: [
    { src: './config.yaml', dest: '/etc/api/config.yaml', mode: 0o644, owner: '65532' },
    { src: '/etc/ssl/certs/ca-certificates.crt', dest: '/etc/ssl/certs/ca-certificates.crt', owner: 'nonroot:nonroot' },
  ],
  binaries: [
    { src: '/usr/bin/curl', dest: '/usr/bin/curl' },
    { src: './build/api', dest: '/usr/bin/api' },
    { src: '/usr/local/bin/tool', dest: '/usr/local/bin/tool' },
  ],
  paths: [
    { path: '/var/run/api', type: 'dir', mode: 0o1777, owner: 'nonroot' },
    { path: '/etc/api/motd', type: 'file', content: 'hello\n', mode: 0o444 },
    { path: '/usr/bin/api-link', type: 'symlink', target: 'api' },
  ],
  repositories: [],
  variants: [],
  packages: [],
  exclude: [],
  compression: { algorithm: 'gzip', level: 2 },
  trim: 'docs',
  keep: [],
};
