// Markdown written by people (notes) or by a model, rendered safely: react-markdown builds React
// elements from the syntax tree and never injects raw HTML; links are limited to web and mail
// addresses and open in a new tab without access to this page.
import { Anchor, Text } from '@mantine/core';
import ReactMarkdown, { defaultUrlTransform } from 'react-markdown';

const SAFE_URL = /^(https?:|mailto:|tel:|\/|#)/i;

export function Markdown({ children }: { children: string }) {
  return (
    <div className="albedo-markdown">
      <ReactMarkdown
        skipHtml
        urlTransform={(url) => (SAFE_URL.test(url) ? defaultUrlTransform(url) : '')}
        components={{
          p: ({ children: c }) => (
            <Text size="sm" mb={4}>
              {c}
            </Text>
          ),
          a: ({ href, children: c }) =>
            href ? (
              <Anchor href={href} target="_blank" rel="noopener noreferrer nofollow">
                {c}
              </Anchor>
            ) : (
              <span>{c}</span>
            ),
          img: ({ alt }) => <span>{alt ?? ''}</span>,
        }}
      >
        {children}
      </ReactMarkdown>
    </div>
  );
}
