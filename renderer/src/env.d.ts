/// <reference types="vite/client" />
import type { NoticeboardBridge } from '@electron/ipc-contract';

declare global {
  interface Window {
    /** Present only in the desktop app, installed by electron/preload.ts. */
    noticeboard?: NoticeboardBridge;
  }
}

declare module '*.vue' {
  import type { DefineComponent } from 'vue';
  const component: DefineComponent<object, object, unknown>;
  export default component;
}
