/** What the topic detail page offers the tabs rendered inside it. */
import type { InjectionKey } from 'vue';

export interface TopicPageActions {
  /** Opens the config editor, with the cursor in `focus` when given. */
  editConfigs(focus?: string | null): void;
}

export const topicPageActions: InjectionKey<TopicPageActions> = Symbol('topicPageActions');
