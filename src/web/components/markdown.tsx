// Markdown written by people (notes) or by a model, rendered safely: react-markdown builds React
// elements from the syntax tree and never injects raw HTML; links are limited to web and mail
// addresses and open in a new tab without access to this page, except links into the app itself,
// which navigate in place. GitHub tables render as tables (the assistant's summaries use them).
import { Anchor, Table, Text } from '@mantine/core';
import ReactMarkdown, { defaultUrlTransform } from 'react-markdown';
import { Link } from 'react-router';
import remarkGfm from 'remark-gfm';

const SAFE_URL = /^(https?:|mailto:|tel:|\/|#)/i;
/** A path inside the app: one leading slash, no scheme or host. */
const IN_APP = /^\/(?!\/)/;

export function Markdown({ children }: { children: string }) {
  return (
    <div className="albedo-markdown">
      <ReactMarkdown
        skipHtml
        remarkPlugins={[remarkGfm]}
        urlTransform={(url) => (SAFE_URL.test(url) ? defaultUrlTransform(url) : '')}
        components={{
          p: ({ children: c }) => (
            <Text size="sm" mb={4}>
              {c}
            </Text>
          ),
          a: ({ href, children: c }) =>
            href && IN_APP.test(href) ? (
              <Anchor component={Link} to={href}>
                {c}
              </Anchor>
            ) : href ? (
              <Anchor href={href} target="_blank" rel="noopener noreferrer nofollow">
                {c}
              </Anchor>
            ) : (
              <span>{c}</span>
            ),
          img: ({ alt }) => <span>{alt ?? ''}</span>,
          table: ({ children: c }) => (
            <Table withTableBorder striped fz="sm" my="xs">
              {c}
            </Table>
          ),
        }}
      >
        {children}
      </ReactMarkdown>
    </div>
  );
}
