import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as cognito from 'aws-cdk-lib/aws-cognito';
import { Construct } from 'constructs';
import { acknowledgeNag } from './compliance';
import { EDITOR_GROUP, type OidcConfig } from './config';

/** What the API's JWT authorizer checks and what the dashboard's `config.json` carries. */
export interface AuthSettings {
  /** Token issuer; also `auth.authority` for the dashboard's OIDC client. */
  readonly issuer: string;
  /** Accepted `aud` (ID tokens) or `client_id` (Cognito access tokens). */
  readonly audience: string[];
  readonly clientId: string;
  /** Base URL of the sign-in pages (allowed in the dashboard's connect-src). */
  readonly domain: string;
  readonly scopes: string[];
  /**
   * Where the dashboard signs out, when the issuer's discovery document names no standard
   * end-session endpoint: Cognito's `/logout` (it takes `client_id` and `logout_uri`).
   */
  readonly endSessionEndpoint?: string;
}

export interface AuthProps {
  /** An existing OIDC provider; without it the app creates a Cognito user pool. */
  readonly oidc?: OidcConfig;
  readonly cognitoDomainPrefix: string;
  /** The dashboard URL: where the sign-in pages send the user back to. */
  readonly siteUrl: string;
}

/**
 * Who may read the inventory, and who may edit its annotations. By default a Cognito user pool
 * with no self sign-up (an operator creates each user), its `zonetrail-editors` group (the
 * editors: the api checks the token's `cognito:groups`), a public app client for the
 * dashboard's authorization-code flow with PKCE, and the hosted sign-in domain. With
 * `oidcIssuer` in context, an existing OIDC provider is used instead and nothing is created
 * here; its editors are named by `editorClaim` and `editorValue`.
 */
export class Auth extends Construct {
  readonly settings: AuthSettings;
  readonly userPool?: cognito.UserPool;
  readonly client?: cognito.UserPoolClient;
  /** The user pool's editors; an operator adds each (docs/deploy.md, "Editors"). */
  readonly editors?: cognito.UserPoolGroup;

  constructor(scope: Construct, id: string, props: AuthProps) {
    super(scope, id);

    if (props.oidc) {
      this.settings = { ...props.oidc };
      return;
    }

    const scopes = [cognito.OAuthScope.OPENID, cognito.OAuthScope.EMAIL];
    this.userPool = new cognito.UserPool(this, 'Users', {
      selfSignUpEnabled: false,
      signInAliases: { email: true },
      autoVerify: { email: true },
      standardAttributes: { email: { required: true, mutable: true } },
      passwordPolicy: {
        minLength: 14,
        requireLowercase: true,
        requireUppercase: true,
        requireDigits: true,
        requireSymbols: true,
        tempPasswordValidity: Duration.days(3),
      },
      mfa: cognito.Mfa.REQUIRED,
      mfaSecondFactor: { otp: true, sms: false },
      accountRecovery: cognito.AccountRecovery.EMAIL_ONLY,
      featurePlan: cognito.FeaturePlan.ESSENTIALS,
      deletionProtection: false,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    const plusReason =
      'Threat protection needs the Plus feature plan, billed per active user; an internal dashboard with admin-created users and required MFA does not warrant it.';
    acknowledgeNag(
      this.userPool,
      { id: 'AwsSolutions-COG3', reason: plusReason },
      { id: 'AwsSolutions-COG8', reason: plusReason },
    );

    // Cognito lists a user's groups in the ID token's `cognito:groups`, which the api reads
    // (ZONETRAIL_EDITOR_CLAIM and ZONETRAIL_EDITOR_VALUE keep their defaults).
    this.editors = this.userPool.addGroup('Editors', {
      groupName: EDITOR_GROUP,
      description:
        'zonetrail editors: may set and clear annotations (ownership) from the dashboard. Everyone else in the pool reads only.',
    });

    this.client = this.userPool.addClient('Dashboard', {
      generateSecret: false,
      authFlows: {},
      oAuth: {
        flows: { authorizationCodeGrant: true },
        scopes,
        callbackUrls: [props.siteUrl, `${props.siteUrl}/`],
        logoutUrls: [props.siteUrl, `${props.siteUrl}/`],
      },
      preventUserExistenceErrors: true,
      accessTokenValidity: Duration.hours(1),
      idTokenValidity: Duration.hours(1),
      refreshTokenValidity: Duration.hours(12),
    });

    const domain = this.userPool.addDomain('SignIn', {
      cognitoDomain: { domainPrefix: props.cognitoDomainPrefix },
    });

    const region = Stack.of(this).region;
    this.settings = {
      issuer: `https://cognito-idp.${region}.amazonaws.com/${this.userPool.userPoolId}`,
      audience: [this.client.userPoolClientId],
      clientId: this.client.userPoolClientId,
      domain: domain.baseUrl(),
      scopes: scopes.map((s) => s.scopeName),
      endSessionEndpoint: `${domain.baseUrl()}/logout`,
    };
  }
}
