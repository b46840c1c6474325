import http from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * Small OVAL feeds in exactly the layout of the real Azure Linux feed
 * (test/fixtures/oval/azurelinux-3.0-oval.xml, microsoft/AzureLinuxVulnerabilityData as of
 * 2024-10-10): the same namespaces and generator, one definition per CVE and package whose
 * criterion points to an rpminfo_test, which names an rpminfo_object (the source package)
 * and an rpminfo_state ("less than" EVR with dist tag). The shared feed predates the 2026
 * releases the fixtures hold, so tests that need 2026 fixes write them with this, copying
 * the real element order and attributes.
 */
export interface OvalDefinitionInput {
  id: number;
  cve: string;
  sourcePackage: string;
  /** The first fixed version, as the feed writes it: `0:6.6.134.1-1.azl3`. */
  fixed: string;
  severity: 'Critical' | 'High' | 'Medium' | 'Low';
  /** The real feed writes `Not Applicable` for packages a CVE does not affect. */
  patchable?: 'true' | 'Not Applicable';
}

const PREFIX = 'oval:com.microsoft.azurelinux';

export function ovalFeedXml(defs: readonly OvalDefinitionInput[]): string {
  const version = (d: OvalDefinitionInput) => d.fixed.replace(/^\d+:/, '').replace(/\.azl\d+$/, '');
  const definitions = defs.map(
    (d) => `    <definition class="vulnerability" id="${PREFIX}:def:${d.id}" version="1">
      <metadata>
        <title>${d.cve} affecting package ${d.sourcePackage} for versions less than ${version(d)}</title>
        <affected family="unix">
          <platform>Azure Linux</platform>
        </affected>
        <reference ref_id="${d.cve}" ref_url="https://nvd.nist.gov/vuln/detail/${d.cve}" source="CVE"/>
        <patchable>${d.patchable ?? 'true'}</patchable>
        <advisory_date>2026-04-20T10:00:00Z</advisory_date>
        <advisory_id>${d.id}-1</advisory_id>
        <severity>${d.severity}</severity>
        <description>${d.cve} affecting package ${d.sourcePackage} for versions less than ${version(d)}. A patched version of the package is available.</description>
      </metadata>
      <criteria operator="AND">
        <criterion comment="Package ${d.sourcePackage} is earlier than ${version(d)}, affected by ${d.cve}" test_ref="${PREFIX}:tst:${d.id}000"/>
      </criteria>
    </definition>`,
  );
  const tests = defs.map(
    (
      d,
    ) => `    <linux-def:rpminfo_test check="at least one" comment="Package ${d.sourcePackage} is earlier than ${version(d)}, affected by ${d.cve}" id="${PREFIX}:tst:${d.id}000" version="1">
      <linux-def:object object_ref="${PREFIX}:obj:${d.id}001"/>
      <linux-def:state state_ref="${PREFIX}:ste:${d.id}002"/>
    </linux-def:rpminfo_test>`,
  );
  const objects = defs.map(
    (d) => `    <linux-def:rpminfo_object id="${PREFIX}:obj:${d.id}001" version="1">
      <linux-def:name>${d.sourcePackage}</linux-def:name>
    </linux-def:rpminfo_object>`,
  );
  const states = defs.map(
    (d) => `    <linux-def:rpminfo_state id="${PREFIX}:ste:${d.id}002" version="1">
      <linux-def:evr datatype="evr_string" operation="less than">${d.fixed}</linux-def:evr>
    </linux-def:rpminfo_state>`,
  );
  return `<oval_definitions xmlns="http://oval.mitre.org/XMLSchema/oval-definitions-5" xmlns:oval="http://oval.mitre.org/XMLSchema/oval-common-5" xmlns:linux-def="http://oval.mitre.org/XMLSchema/oval-definitions-5#linux" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:schemaLocation="http://oval.mitre.org/XMLSchema/oval-common-5 https://oval.mitre.org/language/version5.11/ovaldefinition/complete/oval-common-schema.xsd http://oval.mitre.org/XMLSchema/oval-definitions-5 https://oval.mitre.org/language/version5.11/ovaldefinition/complete/oval-definitions-schema.xsd http://oval.mitre.org/XMLSchema/oval-definitions-5#linux https://oval.mitre.org/language/version5.11/ovaldefinition/complete/linux-definitions-schema.xsd ">
  <generator>
    <oval:product_name>Azure Linux OVAL Definition Generator</oval:product_name>
    <oval:product_version>17</oval:product_version>
    <oval:schema_version>5.11</oval:schema_version>
    <oval:timestamp>2026-04-30T12:04:24.575063301Z</oval:timestamp>
    <oval:content_version>1777551864</oval:content_version>
  </generator>
  <definitions>
${definitions.join('\n')}
  </definitions>
  <tests>
${tests.join('\n')}
  </tests>
  <objects>
${objects.join('\n')}
  </objects>
  <states>
${states.join('\n')}
  </states>
</oval_definitions>
`;
}

export interface OvalFeedServer {
  /** AZL_OVAL_URL for it: `http://127.0.0.1:<port>/oval/{line}.xml`. */
  urlTemplate: string;
  requests: { url: string; ifNoneMatch: string | undefined; status: number }[];
  close(): Promise<void>;
}

/**
 * Serves a feed for line 3.0 the way raw.githubusercontent.com does: an ETag, and 304 to a
 * matching If-None-Match; 404 for any other path. The feed is definitions written with
 * ovalFeedXml, or a whole file's text (the demo serves the real one in test/fixtures/oval/).
 */
export async function serveOvalFeed(
  feed: readonly OvalDefinitionInput[] | string,
  etag = '"april-2026-feed"',
): Promise<OvalFeedServer> {
  const body = typeof feed === 'string' ? feed : ovalFeedXml(feed);
  const requests: OvalFeedServer['requests'] = [];
  const server = http.createServer((req, res) => {
    const ifNoneMatch = req.headers['if-none-match'];
    const status = req.url === '/oval/3.0.xml' ? (ifNoneMatch === etag ? 304 : 200) : 404;
    requests.push({ url: req.url ?? '', ifNoneMatch, status });
    res.writeHead(status, status === 200 ? { etag, 'content-type': 'text/plain' } : {});
    res.end(status === 200 ? body : undefined);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    urlTemplate: `http://127.0.0.1:${port}/oval/{line}.xml`,
    requests,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
