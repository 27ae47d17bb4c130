import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { buildApp, type ZonetrailApp } from '../lib/app';

export const ACCOUNT = '111111111111';
export const MAIN_REGION = 'eu-west-1';

const cdkJson = JSON.parse(fs.readFileSync(path.join(__dirname, '..', 'cdk.json'), 'utf8')) as {
  context: Record<string, unknown>;
};

export interface Synthesized extends ZonetrailApp {
  readonly app: App;
  readonly template: Template;
  readonly forwarderTemplate?: Template;
  /** The member accounts' StackSet template, when `accounts` is not `self`. */
  readonly memberTemplate?: Template;
}

const cache = new Map<string, Synthesized>();
const outdirs: string[] = [];

/** Remove the cloud assemblies the tests wrote. */
export function removeAssemblies(): void {
  for (const dir of outdirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
}

/**
 * The app as `cdk synth` builds it (cdk.json's feature flags, cdk-nag on), with the Rust build
 * skipped: `aws:cdk:bundling-stacks: []` keeps RustFunction's asset unbundled. Synthesizing
 * runs cdk-nag, so `Template.fromStack` throws on any unacknowledged finding.
 * Results are cached per context: a synth takes seconds.
 */
export function synth(context: Record<string, unknown> = {}): Synthesized {
  const full = {
    ...cdkJson.context,
    'aws:cdk:bundling-stacks': [],
    account: ACCOUNT,
    region: MAIN_REGION,
    ...context,
  };
  const key = JSON.stringify(full);
  const cached = cache.get(key);
  if (cached) return cached;
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'zonetrail-cdk-test-'));
  outdirs.push(outdir);
  const app = new App({ context: full, outdir });
  const built = buildApp(app);
  const result: Synthesized = {
    ...built,
    app,
    template: Template.fromStack(built.main),
    forwarderTemplate: built.forwarder ? Template.fromStack(built.forwarder) : undefined,
    memberTemplate: built.member ? Template.fromStack(built.member) : undefined,
  };
  cache.set(key, result);
  return result;
}

export type Resource = {
  Type: string;
  Properties: Record<string, any>;
  DependsOn?: string[];
  Metadata?: Record<string, any>;
};

/** The one resource of `type` whose logical id starts with `prefix`. */
export function resourceByPrefix(
  template: Template,
  type: string,
  prefix: string,
): [string, Resource] {
  const matches = Object.entries(template.findResources(type) as Record<string, Resource>).filter(
    ([id]) => id.startsWith(prefix),
  );
  if (matches.length !== 1) {
    throw new Error(
      `expected one ${type} with logical id ${prefix}*, found ${matches.map(([id]) => id).join(', ') || 'none'}`,
    );
  }
  return matches[0];
}

/** The zonetrail Lambdas, by their construct id under `Functions` (the last with findings on). */
export type FunctionName = 'Ingest' | 'Writer' | 'Api' | 'Migrate' | 'FindingsEvaluator';

export function lambdaFunction(template: Template, name: FunctionName): [string, Resource] {
  return resourceByPrefix(template, 'AWS::Lambda::Function', `Functions${name}`);
}

/** Every IAM policy statement attached to the role of a zonetrail Lambda. */
export function roleStatements(template: Template, name: FunctionName): any[] {
  const [, fn] = lambdaFunction(template, name);
  const roleId = fn.Properties.Role['Fn::GetAtt'][0];
  const policies = Object.values(
    template.findResources('AWS::IAM::Policy') as Record<string, Resource>,
  ).filter((p) => (p.Properties.Roles as any[]).some((r) => r.Ref === roleId));
  return policies.flatMap((p) => p.Properties.PolicyDocument.Statement as any[]);
}

export function asArray<T>(v: T | T[]): T[] {
  return Array.isArray(v) ? v : [v];
}

/** The security group of a function in the VPC. */
export function functionSecurityGroup(template: Template, name: FunctionName): string {
  const [, fn] = lambdaFunction(template, name);
  return refTarget(fn.Properties.VpcConfig.SecurityGroupIds[0])!;
}

/**
 * Who may reach an interface endpoint (by logical-id prefix): [source security group, port]
 * of each ingress rule of its security group, which has no inline ingress.
 */
export function endpointIngress(template: Template, prefix: string): [string, number][] {
  const [, endpoint] = resourceByPrefix(template, 'AWS::EC2::VPCEndpoint', prefix);
  const sgId = refTarget(endpoint.Properties.SecurityGroupIds[0])!;
  const sg = template.toJSON().Resources[sgId];
  if (sg.Properties.SecurityGroupIngress !== undefined) {
    throw new Error(`${prefix}: inline ingress on ${sgId}`);
  }
  return Object.values(
    template.findResources('AWS::EC2::SecurityGroupIngress') as Record<string, Resource>,
  )
    .filter((r) => refTarget(r.Properties.GroupId) === sgId)
    .map((r) => [refTarget(r.Properties.SourceSecurityGroupId)!, r.Properties.FromPort]);
}

/** The logical id a `{Ref}` or `{Fn::GetAtt}` points at. */
export function refTarget(value: any): string | undefined {
  if (value?.Ref) return value.Ref;
  if (value?.['Fn::GetAtt']) return value['Fn::GetAtt'][0];
  return undefined;
}
