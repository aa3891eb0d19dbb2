/**
 * Hash history: the desktop app loads the page from a file, where path-based
 * routes would point at files that do not exist.
 */
import { createRouter, createWebHashHistory, type RouteRecordRaw } from 'vue-router';
import OverviewPage from './pages/OverviewPage.vue';

export const routes: RouteRecordRaw[] = [
  { path: '/', name: 'overview', component: OverviewPage, meta: { title: 'Overview' } },
  { path: '/brokers', name: 'brokers', component: () => import('./pages/BrokersPage.vue'), meta: { title: 'Brokers' } },
  { path: '/topics', name: 'topics', component: () => import('./pages/TopicsPage.vue'), meta: { title: 'Topics' } },
  { path: '/groups', name: 'groups', component: () => import('./pages/GroupsPage.vue'), meta: { title: 'Consumer groups' } },
  { path: '/settings', name: 'settings', component: () => import('./pages/SettingsPage.vue'), meta: { title: 'Settings' } },
  { path: '/:rest(.*)*', redirect: '/' },
];

export const router = createRouter({ history: createWebHashHistory(), routes });
