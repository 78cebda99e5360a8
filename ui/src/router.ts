import { createRouter, createWebHistory } from 'vue-router';
import { whenUnauthenticated } from './api';
import { authApi } from './api-auth';
import { useSession } from './composables/useSession';
import DashboardPage from './pages/DashboardPage.vue';

export const router = createRouter({
  history: createWebHistory(),
  routes: [
    { path: '/', name: 'dashboard', component: DashboardPage, meta: { title: 'Dashboard' } },
    {
      path: '/environments',
      name: 'environments',
      component: () => import('./pages/EnvironmentsPage.vue'),
      meta: { title: 'Environments' },
    },
    {
      path: '/environments/:id/metrics',
      name: 'host-metrics',
      component: () => import('./pages/HostMetricsPage.vue'),
      meta: { title: 'Host' },
    },
    {
      path: '/events',
      name: 'events',
      component: () => import('./pages/EventsPage.vue'),
      meta: { title: 'Events' },
    },
    {
      path: '/containers',
      name: 'containers',
      component: () => import('./pages/ContainersPage.vue'),
      meta: { title: 'Containers' },
    },
    {
      path: '/containers/new',
      name: 'container-new',
      component: () => import('./pages/ContainerFormPage.vue'),
      meta: { title: 'New container' },
    },
    {
      path: '/containers/:containerId',
      name: 'container',
      component: () => import('./pages/ContainerDetailPage.vue'),
      meta: { title: 'Container' },
    },
    {
      path: '/containers/:containerId/edit',
      name: 'container-edit',
      component: () => import('./pages/ContainerFormPage.vue'),
      meta: { title: 'Edit container' },
    },
    {
      path: '/stacks',
      name: 'stacks',
      component: () => import('./pages/StacksPage.vue'),
      meta: { title: 'Stacks' },
    },
    {
      path: '/stacks/new',
      name: 'stack-new',
      component: () => import('./pages/StackPage.vue'),
      meta: { title: 'New stack' },
    },
    {
      path: '/stacks/new-from-git',
      name: 'stack-new-git',
      component: () => import('./pages/GitStackNewPage.vue'),
      meta: { title: 'New stack from Git' },
    },
    {
      path: '/stacks/:name',
      name: 'stack',
      component: () => import('./pages/StackPage.vue'),
      meta: { title: 'Stack' },
    },
    {
      path: '/images',
      name: 'images',
      component: () => import('./pages/ImagesPage.vue'),
      meta: { title: 'Images' },
    },
    {
      path: '/images/scan',
      name: 'image-scan',
      component: () => import('./pages/ImageScanPage.vue'),
      meta: { title: 'Vulnerabilities' },
    },
    {
      path: '/updates',
      name: 'updates',
      component: () => import('./pages/UpdatesPage.vue'),
      meta: { title: 'Updates' },
    },
    {
      path: '/registries',
      name: 'registries',
      component: () => import('./pages/RegistriesPage.vue'),
      meta: { title: 'Registries' },
    },
    {
      path: '/volumes',
      name: 'volumes',
      component: () => import('./pages/VolumesPage.vue'),
      meta: { title: 'Volumes' },
    },
    {
      path: '/volumes/:name',
      name: 'volume-browser',
      component: () => import('./pages/VolumeBrowserPage.vue'),
      meta: { title: 'Volume' },
    },
    {
      path: '/networks',
      name: 'networks',
      component: () => import('./pages/NetworksPage.vue'),
      meta: { title: 'Networks' },
    },
    {
      path: '/system',
      name: 'system',
      component: () => import('./pages/SystemPage.vue'),
      meta: { title: 'System' },
    },
    {
      path: '/schedules',
      name: 'schedules',
      component: () => import('./pages/SchedulesPage.vue'),
      meta: { title: 'Schedules' },
    },
    {
      path: '/alerts',
      name: 'alerts',
      component: () => import('./pages/AlertsPage.vue'),
      meta: { title: 'Alerts' },
    },
    {
      path: '/notifications',
      name: 'notifications',
      component: () => import('./pages/NotificationsPage.vue'),
      meta: { title: 'Notifications' },
    },
    {
      path: '/profile',
      name: 'profile',
      component: () => import('./pages/ProfilePage.vue'),
      meta: { title: 'Profile' },
    },
    {
      path: '/users',
      name: 'users',
      component: () => import('./pages/UsersPage.vue'),
      meta: { title: 'Users' },
    },
    {
      path: '/roles',
      name: 'roles',
      component: () => import('./pages/RolesPage.vue'),
      meta: { title: 'Roles' },
    },
    {
      path: '/audit',
      name: 'audit',
      component: () => import('./pages/AuditPage.vue'),
      meta: { title: 'Audit log' },
    },
    {
      path: '/settings',
      name: 'settings',
      component: () => import('./pages/SettingsPage.vue'),
      meta: { title: 'Settings' },
    },
    {
      path: '/login',
      name: 'login',
      component: () => import('./pages/LoginPage.vue'),
      meta: { title: 'Log in', public: true },
    },
    {
      path: '/setup',
      name: 'setup',
      component: () => import('./pages/SetupPage.vue'),
      meta: { title: 'Set up', public: true },
    },
    {
      path: '/:unknown(.*)*',
      name: 'not-found',
      component: () => import('./pages/NotFoundPage.vue'),
      meta: { title: 'Not found' },
    },
  ],
});

router.beforeEach(async (to) => {
  if (to.meta.public) return true;
  const session = useSession();
  if (session.me.value || (await session.refresh())) return true;
  const status = await authApi.status().catch(() => undefined);
  if (status?.setupRequired) return { name: 'setup' };
  return { name: 'login', query: to.fullPath === '/' ? {} : { next: to.fullPath } };
});

router.afterEach((to) => {
  document.title = `${String(to.meta.title ?? '')} · Windflow`;
});

whenUnauthenticated((code) => {
  useSession().me.value = undefined;
  const current = router.currentRoute.value;
  if (current.meta.public) return;
  void router.push(
    code === 'SETUP_REQUIRED' ? { name: 'setup' } : { name: 'login', query: { next: current.fullPath } },
  );
});
