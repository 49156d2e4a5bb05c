/** Small pieces every page uses: outcomes, times, variants, states of loading. */
import type { ComponentChildren } from 'preact';
import type { CombinedError } from '@urql/core';

/** An outcome as a coloured label; the word is always there, the colour only helps. */
export function Outcome({ value }: { value: string | null | undefined }) {
  if (value === null || value === undefined) return <span class="outcome outcome-none">none</span>;
  return <span class={`outcome outcome-${value}`}>{value}</span>;
}

/** `2026-11-24 12:00:00Z`: UTC, to the second, the same for every reader. */
export function formatTime(iso: string): string {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : `${date.toISOString().slice(0, 19).replace('T', ' ')}Z`;
}

export function Time({ iso }: { iso: string | null | undefined }) {
  if (iso === null || iso === undefined) return <span class="muted">never</span>;
  return <time dateTime={iso}>{formatTime(iso)}</time>;
}

export interface VariantPair {
  key: string;
  values: string[];
}

/** `arch=x86_64 scenario=server`; empty for a key without a variant. */
export function variantText(variant: readonly VariantPair[]): string {
  return variant.map((v) => `${v.key}=${v.values.join(',')}`).join(' ');
}

/** What a page shows while its query is out, or when it failed. */
export function Loading({ error, children }: { error?: CombinedError | undefined; children?: ComponentChildren }) {
  if (error !== undefined) {
    return (
      <p class="error" role="alert">
        Could not load this page: {error.message}
      </p>
    );
  }
  return <p class="muted">{children ?? 'Loading…'}</p>;
}

/** A wide table stays readable at 400 px: it scrolls sideways in its own box, the page does not. */
export function Scroll({ children, label }: { children: ComponentChildren; label: string }) {
  return (
    <div class="scroll" role="region" aria-label={label} tabIndex={0}>
      {children}
    </div>
  );
}
