/**
 * Hash history: the desktop app loads the page from a file, where path-based
 * routes would point at files that do not exist.
 */
import { createRouter, createWebHashHistory, type RouteComponent, type RouteRecordRaw } from 'vue-router';
import OverviewPage from './pages/OverviewPage.vue';

export const routes: RouteRecordRaw[] = [
  { path: '/', name: 'overview', component: OverviewPage, meta: { title: 'Overview' } },
  { path: '/brokers', name: 'brokers', component: () => import('./pages/BrokersPage.vue'), meta: { title: 'Brokers' } },
  {
    path: '/brokers/:id(\\d+)',
    name: 'broker',
    component: () => import('./pages/BrokerDetailPage.vue'),
    meta: { title: 'Brokers', nav: 'brokers' },
  },
  { path: '/topics', name: 'topics', component: () => import('./pages/TopicsPage.vue'), meta: { title: 'Topics' } },
  {
    // One topic; its tabs are child routes rendered inside TopicDetailPage.
    path: '/topics/:name',
    component: () => import('./pages/TopicDetailPage.vue'),
    meta: { title: 'Topics', nav: 'topics' },
    children: [
      {
        path: '',
        name: 'topic',
        component: () => import('./pages/topic/TopicPartitionsTab.vue'),
        meta: { title: 'Topics', nav: 'topics' },
      },
      {
        path: 'replicas',
        name: 'topic-replicas',
        component: () => import('./pages/topic/TopicReplicasTab.vue'),
        meta: { title: 'Topics', nav: 'topics' },
      },
      {
        path: 'configs',
        name: 'topic-configs',
        component: () => import('./pages/topic/TopicConfigsTab.vue'),
        meta: { title: 'Topics', nav: 'topics' },
      },
      // The message browser's slot: /topics/:name/messages renders pages/MessagesPage.vue once that file exists.
      ...Object.values(import.meta.glob<{ default: RouteComponent }>('./pages/MessagesPage.vue')).map(
        (component) =>
          ({
            path: 'messages',
            name: 'topic-messages',
            component,
            meta: { title: 'Topics', nav: 'topics' },
          }) satisfies RouteRecordRaw,
      ),
    ],
  },
  {
    path: '/replicas',
    name: 'replicas',
    component: () => import('./pages/ReplicaMapPage.vue'),
    meta: { title: 'Replica map' },
  },
  {
    path: '/groups',
    name: 'groups',
    component: () => import('./pages/GroupsPage.vue'),
    meta: { title: 'Consumer groups' },
  },
  {
    path: '/groups/:groupId',
    name: 'group',
    component: () => import('./pages/GroupDetailPage.vue'),
    meta: { title: 'Consumer groups', nav: 'groups' },
  },
  {
    path: '/workload',
    name: 'workload',
    component: () => import('./pages/WorkloadPage.vue'),
    meta: { title: 'Workload simulator' },
  },
  {
    path: '/connections',
    name: 'connections',
    component: () => import('./pages/ConnectionsPage.vue'),
    meta: { title: 'Connections' },
  },
  {
    path: '/settings',
    name: 'settings',
    component: () => import('./pages/SettingsPage.vue'),
    meta: { title: 'Settings' },
  },
  { path: '/:rest(.*)*', redirect: '/' },
];

export const router = createRouter({ history: createWebHashHistory(), routes });
