// html-to-text 10 ships no types and @types/html-to-text is not installed: only what content.ts uses.
declare module 'html-to-text' {
  export interface HtmlToTextOptions {
    wordwrap?: number | false | null
    preserveNewlines?: boolean
    selectors?: { selector: string; format?: string; options?: Record<string, unknown> }[]
  }
  export function convert(html: string, options?: HtmlToTextOptions): string
}
