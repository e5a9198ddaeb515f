// analytics.js - the Analytics view (being built as the module's API lands).
import { clear, h, note } from '../ui.js';

export default {
  id: 'analytics',
  title: 'Analytics',
  roles: ['admin','analyst'],
  async render(root) {
    clear(root, h('div', { class: 'view-head' }, h('h1', {}, 'Analytics')),
      note('This module\'s API is not available on this server yet.', 'notice'));
  },
};
