// The items of a list typed in one box ("a.example, b.example" or one per line): split on commas
// and white space, empty items dropped. The API judges each item (its field codes name them).
export function splitList(text: string): string[] {
  return text.split(/[\s,]+/).filter((item) => item !== '');
}

// A whole number typed in a box, or undefined when the box is empty, or null when it is not a
// whole number (the form then says so beside the field).
export function wholeNumber(text: string): number | undefined | null {
  const trimmed = text.trim();
  if (trimmed === '') return undefined;
  return /^\d+$/.test(trimmed) ? Number(trimmed) : null;
}
