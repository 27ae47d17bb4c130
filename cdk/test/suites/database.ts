import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Match } from 'aws-cdk-lib/assertions';
import { RustEnv } from '../../lib/config';
import { lambdaFunction, refTarget, type Resource, resourceByPrefix, synth } from '../helpers';

describe('database', () => {
  const { template } = synth();

  it('is Aurora MySQL 3 Serverless v2, encrypted, with IAM auth and deletion protection', () => {
    const [, cluster] = resourceByPrefix(template, 'AWS::RDS::DBCluster', 'DatabaseCluster');
    const p = cluster.Properties;
    assert.equal(p.Engine, 'aurora-mysql');
    assert.match(
      p.EngineVersion,
      /^8\.0\.mysql_aurora\.3\.(0[89]|1\d)\./,
      'Aurora MySQL 3.08 or newer',
    );
    assert.deepEqual(p.ServerlessV2ScalingConfiguration, { MinCapacity: 0.5, MaxCapacity: 4 });
    assert.equal(p.StorageEncrypted, true);
    assert.equal(p.EnableIAMDatabaseAuthentication, true);
    assert.equal(p.DeletionProtection, true);
    assert.equal(p.DatabaseName, 'zonetrail');
    assert.equal(
      cluster.Properties.MasterUserPassword['Fn::Join'] !== undefined,
      true,
      'password from the generated secret',
    );
    template.hasResourceProperties('AWS::RDS::DBInstance', {
      DBInstanceClass: 'db.serverless',
      Engine: 'aurora-mysql',
    });
    template.hasResource('AWS::RDS::DBCluster', {
      DeletionPolicy: 'Snapshot',
      UpdateReplacePolicy: 'Snapshot',
    });
  });

  it('takes capacity and the auto-pause floor from context', () => {
    const { template: t } = synth({
      dbMinCapacity: '0',
      dbMaxCapacity: '8',
      deletionProtection: 'false',
    });
    t.hasResourceProperties('AWS::RDS::DBCluster', {
      ServerlessV2ScalingConfiguration: { MinCapacity: 0, MaxCapacity: 8 },
      DeletionProtection: false,
    });
  });

  it('lives in isolated subnets of a VPC with no route out', () => {
    template.resourceCountIs('AWS::EC2::InternetGateway', 0);
    template.resourceCountIs('AWS::EC2::NatGateway', 0);
    for (const [, route] of Object.entries(template.findResources('AWS::EC2::Route'))) {
      assert.fail(`unexpected route ${JSON.stringify(route.Properties)}`);
    }
    const subnets = template.findResources('AWS::EC2::Subnet');
    assert.equal(Object.keys(subnets).length, 2);
    for (const [id, s] of Object.entries(subnets)) {
      assert.equal(s.Properties.MapPublicIpOnLaunch, false, id);
      assert.equal(
        s.Properties.Tags.find((t: any) => t.Key === 'aws-cdk:subnet-type').Value,
        'Isolated',
        id,
      );
    }
    const [, group] = resourceByPrefix(
      template,
      'AWS::RDS::DBSubnetGroup',
      'DatabaseClusterSubnets',
    );
    assert.deepEqual(group.Properties.SubnetIds.map(refTarget).sort(), Object.keys(subnets).sort());
    template.hasResourceProperties('AWS::EC2::FlowLog', { TrafficType: 'ALL' });
  });

  it('spreads the VPC over two zones resolved at deploy, or the ones given by context', () => {
    const azs = Object.values(template.findResources('AWS::EC2::Subnet')).map(
      (s) => s.Properties.AvailabilityZone,
    );
    assert.deepEqual(azs, [
      { 'Fn::Select': [0, { 'Fn::GetAZs': '' }] },
      { 'Fn::Select': [1, { 'Fn::GetAZs': '' }] },
    ]);
    const { template: t } = synth({ availabilityZones: 'eu-west-1b,eu-west-1c' });
    assert.deepEqual(
      Object.values(t.findResources('AWS::EC2::Subnet')).map((s) => s.Properties.AvailabilityZone),
      ['eu-west-1b', 'eu-west-1c'],
    );
  });

  it('requires TLS and logs audits and slow queries', () => {
    template.hasResourceProperties('AWS::RDS::DBClusterParameterGroup', {
      Family: 'aurora-mysql8.0',
      Parameters: Match.objectLike({
        require_secure_transport: 'ON',
        server_audit_logging: '1',
        slow_query_log: '1',
      }),
    });
    template.hasResourceProperties('AWS::RDS::DBCluster', {
      EnableCloudwatchLogsExports: ['audit', 'error', 'general', 'slowquery'],
    });
  });

  it('keeps generated credentials in Secrets Manager and rotates them every 30 days inside the VPC', () => {
    template.hasResourceProperties('AWS::SecretsManager::Secret', {
      GenerateSecretString: Match.objectLike({
        SecretStringTemplate: '{"username":"zonetrail_admin"}',
        GenerateStringKey: 'password',
      }),
    });
    template.hasResourceProperties('AWS::SecretsManager::RotationSchedule', {
      RotationRules: { ScheduleExpression: 'rate(30 days)' },
    });
    const [, app] = resourceByPrefix(
      template,
      'AWS::Serverless::Application',
      'DatabaseClusterRotationSingleUser',
    );
    // The rotation function reaches Secrets Manager through the VPC endpoint.
    assert.equal(
      refTarget(app.Properties.Parameters.endpoint['Fn::Join'][1][1]),
      resourceByPrefix(template, 'AWS::EC2::VPCEndpoint', 'NetworkVpcSecretsManager')[0],
    );
    template.hasResourceProperties('AWS::EC2::VPCEndpoint', {
      ServiceName: 'com.amazonaws.eu-west-1.secretsmanager',
      VpcEndpointType: 'Interface',
      PrivateDnsEnabled: true,
    });
  });

  it('puts RDS Proxy in front, TLS required, targeting the cluster', () => {
    const [proxyId, proxy] = resourceByPrefix(template, 'AWS::RDS::DBProxy', 'DatabaseProxy');
    assert.equal(proxy.Properties.RequireTLS, true);
    assert.equal(proxy.Properties.EngineFamily, 'MYSQL');
    assert.equal(proxy.Properties.Auth[0].AuthScheme, 'SECRETS');
    const [, group] = resourceByPrefix(
      template,
      'AWS::RDS::DBProxyTargetGroup',
      'DatabaseProxyProxyTargetGroup',
    );
    assert.equal(refTarget(group.Properties.DBProxyName), proxyId);
    assert.ok(refTarget(group.Properties.DBClusterIdentifiers[0])!.startsWith('DatabaseCluster'));
  });

  it('points the database functions at the proxy endpoint and the secret', () => {
    const [proxyId] = resourceByPrefix(template, 'AWS::RDS::DBProxy', 'DatabaseProxy');
    const [secretId] = resourceByPrefix(
      template,
      'AWS::SecretsManager::SecretTargetAttachment',
      'DatabaseClusterSecretAttachment',
    );
    for (const name of ['Writer', 'Api', 'Migrate', 'FindingsEvaluator'] as const) {
      const [, fn] = lambdaFunction(template, name);
      const env = fn.Properties.Environment.Variables;
      assert.deepEqual(env[RustEnv.dbHost], { 'Fn::GetAtt': [proxyId, 'Endpoint'] }, name);
      assert.equal(refTarget(env[RustEnv.dbSecretArn]), secretId, name);
      assert.equal(env[RustEnv.dbName], 'zonetrail', name);
      assert.ok(fn.Properties.VpcConfig, `${name} runs in the VPC`);
    }
    const [, ingest] = lambdaFunction(template, 'Ingest');
    assert.equal(
      ingest.Properties.VpcConfig,
      undefined,
      'ingest needs only Route 53 and SQS: outside the VPC',
    );
  });

  it('connects straight to the cluster when the proxy is turned off', () => {
    const { template: t } = synth({ dbProxy: 'false' });
    t.resourceCountIs('AWS::RDS::DBProxy', 0);
    const [clusterId] = resourceByPrefix(t, 'AWS::RDS::DBCluster', 'DatabaseCluster');
    const [, writer] = lambdaFunction(t, 'Writer');
    assert.deepEqual(writer.Properties.Environment.Variables[RustEnv.dbHost], {
      'Fn::GetAtt': [clusterId, 'Endpoint.Address'],
    });
  });

  it('opens the MySQL port only to the proxy and the database functions', () => {
    const ingress = Object.values(
      template.findResources('AWS::EC2::SecurityGroupIngress') as Record<string, Resource>,
    );
    for (const rule of ingress) {
      assert.ok(rule.Properties.SourceSecurityGroupId, 'only security-group sources, never a CIDR');
    }
    const [proxySgId] = resourceByPrefix(
      template,
      'AWS::EC2::SecurityGroup',
      'DatabaseProxySecurityGroup',
    );
    const intoProxy = ingress.filter((r) => refTarget(r.Properties.GroupId) === proxySgId);
    const sources = intoProxy.map((r) => refTarget(r.Properties.SourceSecurityGroupId)!).sort();
    assert.equal(sources.length, 4);
    for (const name of [
      'FunctionsApi',
      'FunctionsMigrate',
      'FunctionsWriter',
      'FunctionsFindingsEvaluator',
    ]) {
      assert.ok(
        sources.some((s) => s.startsWith(name)),
        name,
      );
    }
    for (const r of intoProxy) assert.equal(r.Properties.FromPort, 3306);
  });

  it('runs the migrate function at deploy, after the database and the proxy, when its code changes', () => {
    const [, trigger] = resourceByPrefix(template, 'Custom::Trigger', 'FunctionsMigrateOnDeploy');
    assert.equal(trigger.Properties.ExecuteOnHandlerChange, true);
    assert.equal(trigger.Properties.InvocationType, 'RequestResponse');
    assert.ok(
      refTarget(trigger.Properties.HandlerArn)!.startsWith('FunctionsMigrateCurrentVersion'),
    );
    const after = trigger.DependsOn ?? [];
    for (const prefix of [
      'DatabaseCluster',
      'DatabaseClusterWriter',
      'DatabaseProxy',
      'DatabaseProxyProxyTargetGroup',
      'NetworkVpcSecretsManager',
    ]) {
      assert.ok(
        after.some((d) => d.startsWith(prefix)),
        `trigger runs after ${prefix}`,
      );
    }
    // Every rule on the path migrate -> proxy and migrate -> Secrets Manager, both directions.
    const migrateSg = resourceByPrefix(
      template,
      'AWS::EC2::SecurityGroup',
      'FunctionsMigrateSecurityGroup',
    )[0];
    const rules = [
      ...Object.entries(
        template.findResources('AWS::EC2::SecurityGroupEgress') as Record<string, Resource>,
      ).filter(([, r]) => refTarget(r.Properties.GroupId) === migrateSg),
      ...Object.entries(
        template.findResources('AWS::EC2::SecurityGroupIngress') as Record<string, Resource>,
      ).filter(([, r]) => refTarget(r.Properties.SourceSecurityGroupId) === migrateSg),
    ];
    assert.equal(rules.length, 4);
    for (const [id] of rules) assert.ok(after.includes(id), `trigger runs after ${id}`);
  });
});
