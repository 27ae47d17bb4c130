import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as logs from 'aws-cdk-lib/aws-logs';
import * as rds from 'aws-cdk-lib/aws-rds';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { acknowledgeNag, skipCheckov } from './compliance';
import { DATABASE_NAME, type DatabaseEnvironment } from './config';
import type { Network } from './network';

/** Aurora MySQL 3 (MySQL 8.0) on the 3.10 long-term-support line; auto-pause needs 3.08+. */
export const AURORA_ENGINE = rds.DatabaseClusterEngine.auroraMysql({
  version: rds.AuroraMysqlEngineVersion.VER_3_10_4,
});

/** The generated admin user; the Lambdas use it through the proxy (single-user rotation). */
export const ADMIN_USER = 'zonetrail_admin';

/** MySQL's port, on the cluster and on the proxy. */
export const MYSQL_PORT = 3306;

/**
 * Characters kept out of the generated password: they need quoting in a MySQL URL or a shell,
 * and the Rust side builds a connection string from the secret.
 */
const PASSWORD_EXCLUDED = ' %+~`#$&*()|[]{}:;<>?!\'/@"\\,=^';

export interface DatabaseProps {
  readonly network: Network;
  readonly minCapacity: number;
  readonly maxCapacity: number;
  readonly useProxy: boolean;
  readonly deletionProtection: boolean;
  readonly logRetentionDays: number;
}

/**
 * Aurora MySQL Serverless v2 in isolated subnets: encrypted storage, TLS required, admin
 * credentials generated in Secrets Manager and rotated every 30 days, and RDS Proxy in front
 * so that Lambda scale-outs share a small pool of database connections.
 */
export class Database extends Construct {
  readonly cluster: rds.DatabaseCluster;
  readonly secret: secretsmanager.ISecret;
  readonly proxy?: rds.DatabaseProxy;
  /** What the Lambdas connect to: the proxy, or the cluster's writer endpoint without one. */
  readonly clientEndpoint: string;
  private readonly clientConnections: ec2.Connections;
  private readonly network: Network;

  constructor(scope: Construct, id: string, props: DatabaseProps) {
    super(scope, id);
    this.network = props.network;
    const { vpc, isolatedSubnets, secretsManagerEndpoint } = props.network;

    const parameterGroup = new rds.ParameterGroup(this, 'ClusterParameters', {
      engine: AURORA_ENGINE,
      description: 'zonetrail: TLS only, audit and slow-query logs',
      parameters: {
        require_secure_transport: 'ON',
        server_audit_logging: '1',
        server_audit_events: 'CONNECT,QUERY_DDL,QUERY_DCL',
        slow_query_log: '1',
        long_query_time: '2',
      },
    });

    const clusterSecurityGroup = new ec2.SecurityGroup(this, 'ClusterSecurityGroup', {
      vpc,
      description:
        'zonetrail Aurora cluster: MySQL from the proxy, the clients and the rotation function',
      allowAllOutbound: false,
    });

    this.cluster = new rds.DatabaseCluster(this, 'Cluster', {
      engine: AURORA_ENGINE,
      parameterGroup,
      credentials: rds.Credentials.fromGeneratedSecret(ADMIN_USER, {
        excludeCharacters: PASSWORD_EXCLUDED,
      }),
      defaultDatabaseName: DATABASE_NAME,
      writer: rds.ClusterInstance.serverlessV2('Writer', { autoMinorVersionUpgrade: true }),
      serverlessV2MinCapacity: props.minCapacity,
      serverlessV2MaxCapacity: props.maxCapacity,
      vpc,
      vpcSubnets: isolatedSubnets,
      securityGroups: [clusterSecurityGroup],
      storageEncrypted: true,
      iamAuthentication: true,
      deletionProtection: props.deletionProtection,
      removalPolicy: RemovalPolicy.SNAPSHOT,
      backup: { retention: Duration.days(7) },
      copyTagsToSnapshot: true,
      port: MYSQL_PORT,
      cloudwatchLogsExports: ['audit', 'error', 'general', 'slowquery'],
      cloudwatchLogsRetention: props.logRetentionDays as logs.RetentionDays,
    });
    // A cluster with generated credentials always has its secret.
    if (!this.cluster.secret) throw new Error('the Aurora cluster has no credentials secret');
    this.secret = this.cluster.secret;

    acknowledgeNag(
      this.cluster,
      {
        id: 'AwsSolutions-RDS11',
        reason:
          'A non-default port hides nothing here: the cluster has no route from outside the VPC and its security group admits only named clients.',
      },
      {
        id: 'AwsSolutions-RDS14',
        reason:
          'Backtrack is not needed: the inventory is rebuilt by the 3-hourly sweep, and automated backups give point-in-time restore.',
      },
    );
    if (!props.deletionProtection) {
      acknowledgeNag(this.cluster, {
        id: 'AwsSolutions-RDS10',
        reason:
          'Turned off on purpose with context deletionProtection=false, the step before deleting the stack (docs/deploy.md); a snapshot is still taken on delete.',
      });
      skipCheckov(this.cluster, {
        id: 'CKV_AWS_139',
        reason:
          'Turned off on purpose with context deletionProtection=false, the step before deleting the stack (docs/deploy.md); a snapshot is still taken on delete.',
      });
    }
    skipCheckov(
      this.cluster,
      {
        id: 'CKV_AWS_327',
        reason:
          'Storage is encrypted with the AWS-managed RDS key; a customer-managed key adds cost and no reader we exclude.',
      },
      {
        id: 'CKV_AWS_326',
        reason:
          'Backtrack is not needed: the inventory is rebuilt by the 3-hourly sweep, and automated backups give point-in-time restore.',
      },
    );

    for (const instance of this.cluster.node
      .findAll()
      .filter((c) => c instanceof rds.CfnDBInstance)) {
      skipCheckov(instance, {
        id: 'CKV_AWS_118',
        reason:
          'Enhanced monitoring (per-second OS metrics, billed as logs) is off; the dashboard uses the standard RDS metrics: capacity, connections.',
      });
    }

    // Rotation runs a function from the Serverless Application Repository in the isolated
    // subnets; it reaches Secrets Manager through the endpoint (the helper opens both ways).
    this.cluster.addRotationSingleUser({
      automaticallyAfter: Duration.days(30),
      excludeCharacters: PASSWORD_EXCLUDED,
      vpcSubnets: isolatedSubnets,
      endpoint: secretsManagerEndpoint,
    });
    const generatedSecret = this.cluster.node
      .findAll()
      .find((c) => c instanceof secretsmanager.CfnSecret);
    if (!generatedSecret) throw new Error('the cluster has no generated secret');
    skipCheckov(generatedSecret, {
      id: 'CKV_AWS_149',
      reason:
        'Encrypted with the AWS-managed Secrets Manager key; readers are limited by IAM to the three database functions and the proxy.',
    });

    if (props.useProxy) {
      const proxySecurityGroup = new ec2.SecurityGroup(this, 'ProxySecurityGroup', {
        vpc,
        description:
          'zonetrail RDS Proxy: MySQL from the Lambdas, out to the cluster and Secrets Manager',
        allowAllOutbound: false,
      });
      this.proxy = new rds.DatabaseProxy(this, 'Proxy', {
        proxyTarget: rds.ProxyTarget.fromCluster(this.cluster),
        secrets: [this.secret],
        vpc,
        vpcSubnets: isolatedSubnets,
        securityGroups: [proxySecurityGroup],
        requireTLS: true,
        iamAuth: false,
        idleClientTimeout: Duration.minutes(30),
        maxConnectionsPercent: 90,
      });
      // The proxy reads the credentials from Secrets Manager at connection time.
      secretsManagerEndpoint.connections.allowDefaultPortFrom(
        this.proxy,
        'RDS Proxy reads the database secret',
      );
      this.clientConnections = this.proxy.connections;
      this.clientEndpoint = this.proxy.endpoint;
    } else {
      this.clientConnections = this.cluster.connections;
      this.clientEndpoint = this.cluster.clusterEndpoint.hostname;
    }
  }

  /** What a client function needs in its environment. */
  get environment(): DatabaseEnvironment {
    return { secretArn: this.secret.secretArn, host: this.clientEndpoint, name: DATABASE_NAME };
  }

  /**
   * Let a function in the VPC connect: read the secret (through the endpoint) and reach the
   * proxy (or cluster) on the MySQL port. Nothing else.
   */
  grantClient(fn: lambda.Function): void {
    this.secret.grantRead(fn);
    this.network.secretsManagerEndpoint.connections.allowDefaultPortFrom(
      fn,
      `${fn.node.id} reads the database secret`,
    );
    this.clientConnections.allowFrom(
      fn,
      ec2.Port.tcp(MYSQL_PORT),
      `${fn.node.id} connects to the database`,
    );
  }
}
