// waitlist.js - the Waiting list view (being built as the module's API lands).
import { clear, h, note } from '../ui.js';

export default {
  id: 'waitlist',
  title: 'Waiting list',
  roles: ['admin','analyst','coordinator'],
  async render(root) {
    clear(root, h('div', { class: 'view-head' }, h('h1', {}, 'Waiting list')),
      note('This module\'s API is not available on this server yet.', 'notice'));
  },
};
