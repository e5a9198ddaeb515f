// beds.js - the Beds view (being built as the module's API lands).
import { clear, h, note } from '../ui.js';

export default {
  id: 'beds',
  title: 'Beds',
  roles: ['admin','coordinator'],
  async render(root) {
    clear(root, h('div', { class: 'view-head' }, h('h1', {}, 'Beds')),
      note('This module\'s API is not available on this server yet.', 'notice'));
  },
};
