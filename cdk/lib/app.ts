import { type App, Stage, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { CaptureForwarderStack, ROUTE53_EVENTS_REGION, resourceSourcesIn } from './capture';
import { readConfig, type ZonetrailConfig } from './config';
import { MemberStack } from './member-stack';
import { ingestRoleName, memberBusArn } from './organizations';
import { ZonetrailStack } from './zonetrail-stack';

export interface ZonetrailApp {
  readonly config: ZonetrailConfig;
  readonly main: ZonetrailStack;
  /** The us-east-1 forwarder: present when the main stack is not in us-east-1. */
  readonly forwarder?: CaptureForwarderStack;
  /**
   * Every forwarder, by region: us-east-1's, and with findings one in each other region of
   * `regions` (their EC2, S3 and Elastic Beanstalk events).
   */
  readonly forwarders: Map<string, CaptureForwarderStack>;
  /** The member accounts' template, when `accounts` is not `self`. */
  readonly member?: MemberStack;
}

/**
 * The stage holding the member template: its stacks are not top-level, so `cdk deploy --all`
 * leaves them out (they go to member accounts through a StackSet; see docs/deploy.md).
 */
export const MEMBER_STAGE = 'Member';

/**
 * The stacks of one deployment, from the app's context. `bin/app.ts` calls this for `cdk`;
 * the tests call it with their own context. cdk-nag's AwsSolutions checks run on every synth.
 */
export function buildApp(app: App): ZonetrailApp {
  const config = readConfig(app.node);
  const env = { account: config.account, region: config.region };
  const description = 'zonetrail: Route 53 record inventory';

  const main = new ZonetrailStack(app, config.stackName, { env, config, description });
  const f = config.findings;
  const forwarderRegions = new Set<string>();
  if (config.region !== ROUTE53_EVENTS_REGION) forwarderRegions.add(ROUTE53_EVENTS_REGION);
  if (f.enabled) for (const r of f.regions ?? []) if (r !== config.region) forwarderRegions.add(r);
  const forwarders = new Map<string, CaptureForwarderStack>();
  for (const region of forwarderRegions) {
    const route53 = region === ROUTE53_EVENTS_REGION;
    const resourceSources = f.enabled ? resourceSourcesIn(region, f.regions) : [];
    const what = [
      ...(route53 ? ['Route 53 change events'] : []),
      ...(resourceSources.length > 0 ? ['resource events'] : []),
    ].join(' and ');
    const stack = new CaptureForwarderStack(app, `${config.stackName}-Capture-${region}`, {
      env: { account: config.account, region },
      targetRegion: config.region,
      route53,
      resourceSources,
      description: `zonetrail: forwards ${what} from ${region} to ${config.region}`,
    });
    // The main region's rules should exist before events are forwarded to them.
    stack.addStackDependency(main);
    forwarders.set(region, stack);
  }
  const forwarder = forwarders.get(ROUTE53_EVENTS_REGION);

  let member: MemberStack | undefined;
  const o = config.organizations;
  if (o.accounts !== 'self') {
    const stage = new Stage(app, MEMBER_STAGE);
    member = new MemberStack(stage, `${config.stackName}Member`, {
      stackName: `${config.stackName}Member`,
      description: f.enabled
        ? 'zonetrail member account: read-only role (Route 53, and the resources findings check) and change-event forwarding'
        : 'zonetrail member account: read-only Route 53 role and change-event forwarding',
      centralAccountId: config.account,
      centralIngestRoleName: ingestRoleName(config),
      centralEventBusArn: memberBusArn(config),
      roleName: o.roleName,
      externalId: o.externalId,
      findings: f.enabled,
    });
    Validations.of(stage).addPlugins(new AwsSolutionsChecks(stage));
  }

  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return { config, main, forwarder, forwarders, member };
}
