import { createApp } from 'vue';
import { createPinia } from 'pinia';
import App from './App.vue';
import { keepRouteChunksAvailable } from './route-chunks';
import { router, routes } from './router';

const app = createApp(App).use(createPinia()).use(router);
keepRouteChunksAvailable(router, routes);
app.mount('#app');
