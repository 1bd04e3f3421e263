import { createPinia } from 'pinia';
import { createApp } from 'vue';
import App from './App.vue';
import { installAutomation } from './services/automation';
import './styles/main.css';

const pinia = createPinia();
createApp(App).use(pinia).mount('#app');
installAutomation(pinia);
