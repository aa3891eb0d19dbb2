/**
 * Electron's entry point: binds the desktop lifecycle to the real engine and
 * to the files electron-vite builds next to this one (out/main, out/preload,
 * out/renderer), or to the dev server while developing.
 */
import { fileURLToPath } from 'node:url';
import { version } from '../package.json';
import { Cluster } from '../core/cluster/cluster';
import { Groups } from '../core/groups';
import { KafkaListeners } from '../core/kafka-server/kafka-listeners';
// Copied next to the built main process, so it exists in a packaged app too.
import icon from './resources/icon.png?asset';
import { startDesktopApp } from './app';
import type { AppPage } from './security';

const here = (rel: string) => fileURLToPath(new URL(rel, import.meta.url));

// electron-vite sets this only under `electron-vite dev`.
const devUrl = process.env.ELECTRON_RENDERER_URL;
const page: AppPage = devUrl ? { kind: 'url', url: devUrl } : { kind: 'file', path: here('../renderer/index.html') };

startDesktopApp({
  openCluster: (opts) => Cluster.open(opts),
  attachGroups: (cluster) => Groups.attach(cluster),
  // Brokers listen on 127.0.0.1:9092, 9093, ... as a local Kafka would, speaking what Settings → Kafka security
  // keeps in the data folder (core/host/listener-security.ts; Settings restarts them in place when it changes).
  startKafka: (cluster, groups, security) =>
    KafkaListeners.start(cluster, {
      basePort: 9092,
      groups: (groups as Groups | null) ?? undefined,
      users: security.users,
      tls: security.tls,
    }),
  page,
  preload: here('../preload/index.cjs'),
  // macOS and Windows take the icon from the app bundle; Linux windows need it set.
  icon: process.platform === 'linux' ? icon : undefined,
  version,
});
