/**
 * Number fields that say no instead of changing what was typed. A plain number input clamps 100,000 to its
 * maximum, turns "abc" into the last value and rounds 1.5, silently; a field built on this keeps the text as
 * typed and says, next to it, why it is not accepted. Only an accepted value reaches the form's model.
 *
 * Accepted: digits with optional thousands separators ("10,000", "10_000"), a sign, a fraction unless the field
 * takes whole numbers, and an exponent ("1e3"). Everything is checked against the field's range and named in
 * the message with the range, so a person knows what would be accepted.
 */
import { computed, ref, toValue, type MaybeRefOrGetter } from 'vue';
import { formatCount } from './units';

export interface NumberRules {
  min?: number;
  max?: number;
  /** Whole numbers only (partition counts, offsets). */
  integer?: boolean;
  /** An empty field is allowed and reads as null (an optional setting). */
  optional?: boolean;
  /** Why the maximum is what it is, added to the message ("Kafka's limit", "the running brokers"). */
  maxReason?: string;
  /** Why the minimum is what it is ("the topic has 6 partitions now"). */
  minReason?: string;
}

const NUMBER = /^[+-]?(\d[\d,_]*)?(\.\d+)?(e[+-]?\d+)?$/i;

const fmt = (n: number) => (Number.isInteger(n) ? formatCount(n) : String(n));

function range(r: NumberRules): string {
  if (r.min !== undefined && r.max !== undefined) return `from ${fmt(r.min)} to ${fmt(r.max)}`;
  if (r.min !== undefined) return `of at least ${fmt(r.min)}`;
  if (r.max !== undefined) return `of at most ${fmt(r.max)}`;
  return '';
}

/** The value `text` stands for, or why it is refused (never both). */
export function checkNumber(text: string, rules: NumberRules): { value: number | null; error: string | null } {
  const t = text.trim();
  const what = rules.integer ? 'a whole number' : 'a number';
  const wanted = `Enter ${what} ${range(rules)}`.trim();
  if (t === '') return rules.optional ? { value: null, error: null } : { value: null, error: wanted };
  if (!NUMBER.test(t) || !/\d/.test(t)) return { value: null, error: `“${t}” is not a number. ${wanted}` };
  const n = Number(t.replace(/[,_]/g, ''));
  if (!Number.isFinite(n)) return { value: null, error: `${t} is too large. ${wanted}` };
  if (rules.integer && !Number.isInteger(n))
    return { value: null, error: `${fmt(n)} is not a whole number. ${wanted}` };
  if (rules.max !== undefined && n > rules.max)
    return {
      value: null,
      error: `${fmt(n)} is more than ${fmt(rules.max)}${rules.maxReason ? `, ${rules.maxReason}` : ''}. ${wanted}`,
    };
  if (rules.min !== undefined && n < rules.min)
    return {
      value: null,
      error: `${fmt(n)} is less than ${fmt(rules.min)}${rules.minReason ? `, ${rules.minReason}` : ''}. ${wanted}`,
    };
  return { value: n, error: null };
}

/** One field: the text as typed, the accepted value (null while refused or empty) and the reason it is refused. */
export function useNumberField(initial: number | null, rules: MaybeRefOrGetter<NumberRules>) {
  const text = ref(initial === null ? '' : String(initial));
  const checked = computed(() => checkNumber(text.value, toValue(rules)));
  return {
    text,
    value: computed(() => checked.value.value),
    error: computed(() => checked.value.error),
    /** Puts a value in the field as if typed (a reset, a default). */
    set(v: number | null) {
      text.value = v === null ? '' : String(v);
    },
  };
}
