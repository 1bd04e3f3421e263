// @vitest-environment happy-dom
import { mount } from '@vue/test-utils';
import { createPinia, setActivePinia } from 'pinia';
import { beforeEach, describe, expect, it } from 'vitest';
import BaseSplitView from '../../../src-renderer/components/BaseSplitView.vue';
import PreviewPane from '../../../src-renderer/components/PreviewPane.vue';
import TypePicker from '../../../src-renderer/components/TypePicker.vue';
import { useDocumentsStore } from '../../../src-renderer/stores/documents';
import { useEnginesStore } from '../../../src-renderer/stores/engines';
import { usePreviewStore } from '../../../src-renderer/stores/preview';

const HOSTILE = '<svg xmlns="http://www.w3.org/2000/svg" width="120" height="40" onload="alert(1)"><script>alert(2)</script><text>Hi</text></svg>';

beforeEach(() => {
  localStorage.clear();
  setActivePinia(createPinia());
});

describe('PreviewPane', () => {
  it('shows the SVG only as an <img> with a text alternative, never as inline markup', () => {
    const docs = useDocumentsStore();
    const doc = docs.active!;
    docs.setType(doc.id, 'graphviz');
    docs.updateSource(doc.id, 'digraph Pipeline { a -> b }');
    const preview = usePreviewStore();
    preview.byDocument[doc.id] = {
      picture: { svgText: HOSTILE, url: 'blob:test/1', type: 'graphviz', source: doc.source, durationMs: 12 },
      error: null,
      rendering: false,
    };
    const wrapper = mount(PreviewPane);
    const img = wrapper.get('[data-testid="preview-image"]');
    expect(img.element.tagName).toBe('IMG');
    expect(img.attributes('src')).toBe('blob:test/1');
    expect(img.attributes('alt')).toBe('Graphviz diagram: Pipeline');
    expect(wrapper.html()).not.toContain('<script');
    expect(wrapper.find('svg').exists()).toBe(false);
    wrapper.unmount();
  });

  it('shows the error with its line under the kept picture', () => {
    const docs = useDocumentsStore();
    const doc = docs.active!;
    usePreviewStore().byDocument[doc.id] = {
      picture: { svgText: '<svg/>', url: 'blob:test/2', type: 'mermaid', source: 'x', durationMs: 1 },
      error: { message: 'Parse error on line 4', status: 400, line: 4, type: 'mermaid' },
      rendering: false,
    };
    const wrapper = mount(PreviewPane);
    const error = wrapper.get('[data-testid="preview-error"]');
    expect(error.attributes('role')).toBe('alert');
    expect(error.text()).toContain('Error 400 on line 4');
    expect(error.text()).toContain('last good picture');
    expect(wrapper.find('[data-testid="preview-image"]').exists()).toBe(true);
    wrapper.unmount();
  });

  it('fits a new diagram when it arrives, unless the user chose a zoom while it was rendering', async () => {
    const docs = useDocumentsStore();
    const preview = usePreviewStore();
    const wrapper = mount(PreviewPane);
    const first = docs.active!;
    const picture = (id: string, source: string) => {
      preview.byDocument[id] = {
        picture: {
          svgText: '<svg xmlns="http://www.w3.org/2000/svg" width="400" height="100"/>',
          url: `blob:test/${source}`,
          type: 'graphviz',
          source,
          durationMs: 1,
        },
        error: null,
        rendering: false,
      };
    };
    // Another document: fit mode again; the user picks 1:1 before its picture lands.
    preview.setZoom(2.5);
    const second = docs.create();
    await wrapper.vm.$nextTick();
    expect(docs.active!.id).toBe(second.id);
    expect(preview.fitMode).toBe(true);
    preview.actualSize();
    picture(second.id, 'late');
    await wrapper.vm.$nextTick();
    await wrapper.vm.$nextTick();
    expect(preview.zoom).toBe(1);
    expect(preview.fitMode).toBe(false);
    expect(first.id).not.toBe(second.id);
    wrapper.unmount();
  });

  it('zooms with its toolbar', async () => {
    const wrapper = mount(PreviewPane);
    const preview = usePreviewStore();
    preview.actualSize();
    await wrapper.get('button[aria-label="Zoom in"]').trigger('click');
    expect(wrapper.get('[data-testid="zoom-level"]').text()).toBe('125%');
    await wrapper.get('button[aria-label="Zoom out"]').trigger('click');
    expect(wrapper.get('[data-testid="zoom-level"]').text()).toBe('100%');
    wrapper.unmount();
  });
});

describe('TypePicker', () => {
  it('groups types by placement and marks them', () => {
    const engines = useEnginesStore();
    engines.response = {
      upstream: { url: 'http://kroki' },
      safeMode: 'secure',
      types: [
        { type: 'graphviz', placement: 'local', policy: 'auto', formats: ['svg'], localFormats: ['svg'], upstreamFormats: ['svg'] },
        { type: 'd2', placement: 'upstream', policy: 'auto', formats: ['svg'], localFormats: [], upstreamFormats: ['svg'] },
      ],
    };
    const wrapper = mount(TypePicker, { props: { modelValue: 'graphviz' } });
    const groups = wrapper.findAll('optgroup').map((g) => g.attributes('label'));
    expect(groups).toEqual(['Rendered locally', 'Through upstream Kroki', 'Unavailable']);
    expect(wrapper.get('option[value="graphviz"]').text()).toBe('Graphviz · local');
    expect(wrapper.get('option[value="d2"]').text()).toBe('D2 · upstream');
    expect(wrapper.get('option[value="tikz"]').attributes('data-placement')).toBe('unavailable');
    wrapper.unmount();
  });
});

describe('BaseSplitView', () => {
  it('moves the divider with the keyboard and reports the ratio', async () => {
    const wrapper = mount(BaseSplitView, { props: { ratio: 0.5, label: 'Resize' } });
    const divider = wrapper.get('[role="separator"]');
    expect(divider.attributes('aria-valuenow')).toBe('50');
    await divider.trigger('keydown', { key: 'ArrowRight' });
    await divider.trigger('keydown', { key: 'ArrowLeft', shiftKey: true });
    expect(wrapper.emitted('update:ratio')).toEqual([[0.52], [0.4]]);
    wrapper.unmount();
  });
});
