// The import wizard: choose what to import and the file, map its columns to fields (suggested
// automatically), choose what to do with duplicates or try a dry run, then watch the progress and
// read each rejected row's reason.
import {
  Alert,
  Anchor,
  Button,
  Card,
  Checkbox,
  CheckIcon,
  FileInput,
  Group,
  Progress,
  Radio,
  Select,
  Stack,
  Stepper,
  Table,
  Text,
  Title,
} from '@mantine/core';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { Link, useSearchParams } from 'react-router';
import { api, upload } from '../api.ts';
import { FormError } from '../components/form-error.tsx';
import { PLURAL } from './meta.ts';

const OBJECTS = ['contacts', 'organizations', 'leads', 'deals', 'projects', 'tasks'];

interface Preview {
  format: string;
  headers: string[];
  sample: string[][];
  rowCount: number;
  suggestedMapping: Record<string, string>;
  targets: Array<{ target: string; label: string; required: boolean }>;
}

interface Transfer {
  id: string;
  status: string;
  totalRows: number | null;
  processedRows: number;
  createdRows: number;
  updatedRows: number;
  skippedRows: number;
  failedRows: number;
  errors: Array<{ row: number; field?: string; message: string }>;
  options: { dryRun?: boolean };
}

export function ImportPage() {
  const [params] = useSearchParams();
  const queryClient = useQueryClient();
  const [step, setStep] = useState(0);
  const [objectType, setObjectType] = useState(params.get('object') ?? 'contacts');
  const [file, setFile] = useState<File | null>(null);
  const [preview, setPreview] = useState<Preview | null>(null);
  const [mapping, setMapping] = useState<Record<string, string | null>>({});
  const [onDuplicate, setOnDuplicate] = useState('skip');
  const [dryRun, setDryRun] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const [transferId, setTransferId] = useState<string | null>(null);

  const transfer = useQuery({
    queryKey: ['import', transferId],
    queryFn: async () => (await api<{ data: Transfer }>(`/api/v1/imports/${transferId}`)).data,
    enabled: Boolean(transferId),
    refetchInterval: (q) => (q.state.data && ['succeeded', 'failed'].includes(q.state.data.status) ? false : 500),
  });
  const done = Boolean(transfer.data && ['succeeded', 'failed'].includes(transfer.data.status));
  const saved = done && !transfer.data?.options.dryRun;
  // Once, when an import ends: the lists of that object show what it added.
  useEffect(() => {
    if (saved) void queryClient.invalidateQueries({ queryKey: ['list', objectType] });
  }, [saved, objectType, queryClient]);

  const form = () => {
    const data = new FormData();
    data.set('objectType', objectType);
    if (file) data.set('file', file, file.name);
    return data;
  };

  async function readFile() {
    if (!file) {
      setError(new Error('Choose a file to import.'));
      return;
    }
    setBusy(true);
    setError(null);
    try {
      const result = (await upload<{ data: Preview }>('/api/v1/imports/preview', form())).data;
      setPreview(result);
      setMapping(Object.fromEntries(result.headers.map((h) => [h, result.suggestedMapping[h] ?? null])));
      setStep(1);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  }

  async function start() {
    setBusy(true);
    setError(null);
    try {
      const data = form();
      const chosen = Object.fromEntries(Object.entries(mapping).filter(([, v]) => v)) as Record<string, string>;
      if (preview?.format !== 'vcf') data.set('mapping', JSON.stringify(chosen));
      data.set('onDuplicate', onDuplicate);
      data.set('dryRun', String(dryRun));
      const started = (await upload<{ data: Transfer }>('/api/v1/imports', data)).data;
      setTransferId(started.id);
      setStep(2);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  }

  const targets = preview?.targets ?? [];
  const used = new Set(Object.values(mapping).filter(Boolean));
  const t = transfer.data;
  return (
    <Stack maw={960}>
      <Title order={2}>Import</Title>
      <Stepper active={step} size="sm">
        <Stepper.Step label="File">
          <Card withBorder>
            <Stack>
              <FormError error={error} />
              <Select
                label="What are you importing?"
                data={OBJECTS.map((o) => ({ value: o, label: PLURAL[o] ?? o }))}
                value={objectType}
                onChange={(v) => setObjectType(v ?? 'contacts')}
              />
              <FileInput
                label="File"
                description="CSV or Excel (.xlsx) with a header row; vCard (.vcf) for contacts, as Google Contacts or Outlook export them."
                placeholder="Choose a file"
                accept=".csv,.xlsx,.vcf,text/csv,text/vcard"
                value={file}
                onChange={setFile}
                clearable
              />
              <Group justify="flex-end">
                <Button onClick={() => void readFile()} loading={busy}>
                  Next
                </Button>
              </Group>
            </Stack>
          </Card>
        </Stepper.Step>
        <Stepper.Step label="Columns">
          {preview ? (
            <Card withBorder>
              <Stack>
                <FormError error={error} />
                <Text size="sm">
                  {preview.rowCount} rows found in {file?.name}.{' '}
                  {preview.format === 'vcf'
                    ? 'vCard fields are matched automatically.'
                    : 'Match each column to a field.'}
                </Text>
                {preview.format !== 'vcf' ? (
                  <Table.ScrollContainer minWidth={520}>
                    <Table data-testid="mapping">
                      <Table.Thead>
                        <Table.Tr>
                          <Table.Th>Column</Table.Th>
                          <Table.Th>Example</Table.Th>
                          <Table.Th>Field</Table.Th>
                        </Table.Tr>
                      </Table.Thead>
                      <Table.Tbody>
                        {preview.headers.map((h, i) => (
                          <Table.Tr key={h}>
                            <Table.Td>{h}</Table.Td>
                            <Table.Td>
                              <Text size="sm" c="dimmed" truncate maw={160}>
                                {preview.sample[0]?.[i] ?? ''}
                              </Text>
                            </Table.Td>
                            <Table.Td>
                              <Select
                                aria-label={`Field for ${h}`}
                                placeholder="Don't import"
                                data={targets
                                  .filter((x) => x.target === mapping[h] || !used.has(x.target))
                                  .map((x) => ({ value: x.target, label: `${x.label}${x.required ? ' *' : ''}` }))}
                                value={mapping[h] ?? null}
                                onChange={(v) => setMapping((m) => ({ ...m, [h]: v }))}
                                clearable
                                searchable
                                miw={190}
                              />
                            </Table.Td>
                          </Table.Tr>
                        ))}
                      </Table.Tbody>
                    </Table>
                  </Table.ScrollContainer>
                ) : null}
                {objectType === 'contacts' || objectType === 'organizations' ? (
                  <Radio.Group
                    label={`When a ${objectType === 'contacts' ? 'contact with the same email' : 'organization with the same domain'} exists`}
                    value={onDuplicate}
                    onChange={setOnDuplicate}
                  >
                    <Group mt="xs">
                      <Radio value="skip" label="Skip the row" />
                      <Radio value="update" label="Update the existing record" />
                      <Radio value="create" label="Create another" />
                    </Group>
                  </Radio.Group>
                ) : null}
                <Checkbox
                  label="Dry run: check every row and report, without saving anything"
                  checked={dryRun}
                  onChange={(e) => setDryRun(e.currentTarget.checked)}
                />
                <Group justify="space-between">
                  <Button variant="default" onClick={() => setStep(0)}>
                    Back
                  </Button>
                  <Button onClick={() => void start()} loading={busy}>
                    {dryRun ? 'Check rows' : `Import ${preview.rowCount} rows`}
                  </Button>
                </Group>
              </Stack>
            </Card>
          ) : null}
        </Stepper.Step>
        <Stepper.Step
          label="Import"
          loading={Boolean(transfer.data) && !done}
          icon={transfer.data?.status === 'succeeded' ? <CheckIcon size={14} aria-label="Finished" /> : undefined}
        >
          {t ? (
            <Card withBorder>
              <Stack>
                <Text fw={600} data-testid="import-status">
                  {t.status === 'succeeded'
                    ? t.options.dryRun
                      ? 'Dry run finished: nothing was saved'
                      : 'Import finished'
                    : t.status === 'failed'
                      ? 'Import failed'
                      : 'Importing…'}
                </Text>
                <Progress
                  value={t.totalRows ? (100 * t.processedRows) / t.totalRows : 0}
                  animated={!done}
                  aria-label="Import progress"
                />
                <Text size="sm" data-testid="import-counts">
                  {t.processedRows} of {t.totalRows ?? '?'} rows · {t.createdRows} created · {t.updatedRows} updated ·{' '}
                  {t.skippedRows} skipped · {t.failedRows} with errors
                </Text>
                {t.errors.length ? (
                  <>
                    {t.status === 'failed' ? (
                      <Alert color="red" variant="light" title="The import stopped">
                        What was saved is counted above. Import the file again with duplicates set to skip to add the
                        rest.
                      </Alert>
                    ) : (
                      <Alert color="yellow" variant="light" title="Rows not imported">
                        Fix these rows in your file and import it again; rows already imported are skipped as
                        duplicates.
                      </Alert>
                    )}
                    <Table data-testid="import-errors">
                      <Table.Thead>
                        <Table.Tr>
                          <Table.Th>Row</Table.Th>
                          <Table.Th>Field</Table.Th>
                          <Table.Th>Problem</Table.Th>
                        </Table.Tr>
                      </Table.Thead>
                      <Table.Tbody>
                        {t.errors.map((e) => (
                          <Table.Tr key={`${e.row}-${e.field}-${e.message}`}>
                            {/* Row 0 is about the whole import (it stopped, or its member left). */}
                            <Table.Td>{e.row > 0 ? e.row : '—'}</Table.Td>
                            <Table.Td>{e.field ?? ''}</Table.Td>
                            <Table.Td>{e.message}</Table.Td>
                          </Table.Tr>
                        ))}
                      </Table.Tbody>
                    </Table>
                  </>
                ) : null}
                {done ? (
                  <Group>
                    <Anchor component={Link} to={`/${objectType}`}>
                      View {PLURAL[objectType]?.toLowerCase()}
                    </Anchor>
                    <Button
                      variant="default"
                      onClick={() => {
                        setStep(0);
                        setTransferId(null);
                        setPreview(null);
                        setFile(null);
                      }}
                    >
                      Import another file
                    </Button>
                  </Group>
                ) : null}
              </Stack>
            </Card>
          ) : null}
        </Stepper.Step>
      </Stepper>
    </Stack>
  );
}
