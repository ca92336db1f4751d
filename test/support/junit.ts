import { readFileSync } from 'node:fs';
import { validateXML } from 'xmllint-wasm';

/** The JUnit schema Jenkins reads (test/fixtures/junit/jenkins-junit.xsd; where it comes from is noted in it). */
const schema = readFileSync(
  new URL('../../../test/fixtures/junit/jenkins-junit.xsd', import.meta.url),
  'utf8',
);

/** Parses and validates JUnit XML with libxml2 (xmllint, as WebAssembly); returns the problems, empty when valid. */
export async function junitProblems(xml: string): Promise<string[]> {
  const result = await validateXML({
    xml: [{ fileName: 'junit.xml', contents: xml }],
    schema: [{ fileName: 'jenkins-junit.xsd', contents: schema }],
  });
  return result.valid ? [] : result.errors.map((e) => e.rawMessage);
}
