// Markdown helpers for scenario sections.

/**
 * A GitHub-flavoured table. `align` has one letter per column: "l" or "r"
 * (numbers read best right-aligned). Cells are strings or numbers.
 */
export function table(headers, rows, align = "") {
  const esc = (cell) => String(cell).replaceAll("|", "\\|").replaceAll("\n", " ");
  const line = (cells) => `| ${cells.map(esc).join(" | ")} |`;
  const rule = headers.map((_, i) => (align[i] === "r" ? "---:" : "---"));
  return [line(headers), `|${rule.join("|")}|`, ...rows.map(line)].join("\n");
}

/** Inline code, safe for any text (expressions contain `*`). */
export function code(text) {
  return text.includes("`") ? `\`\` ${text} \`\`` : `\`${text}\``;
}
