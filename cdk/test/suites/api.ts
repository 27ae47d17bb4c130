import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ANNOTATION_PATHS } from '../../lib/api';
import {
  DEFAULT_EDITOR_CLAIM,
  EDITOR_GROUP,
  LAMBDA_HTTP_IGNORE_STAGE_IN_PATH,
  RustEnv,
} from '../../lib/config';
import { lambdaFunction, refTarget, type Resource, resourceByPrefix, synth } from '../helpers';

describe('api and auth', () => {
  const { template } = synth();
  const routes = (t = template): Record<string, Record<string, any>> =>
    Object.fromEntries(
      Object.values(t.findResources('AWS::ApiGatewayV2::Route') as Record<string, Resource>).map(
        (r) => [r.Properties.RouteKey, r.Properties],
      ),
    );

  it('checks a Cognito JWT on every /api route', () => {
    const [poolId] = resourceByPrefix(template, 'AWS::Cognito::UserPool', 'AuthUsers');
    const [clientId] = resourceByPrefix(
      template,
      'AWS::Cognito::UserPoolClient',
      'AuthUsersDashboard',
    );
    const [authorizerId, authorizer] = resourceByPrefix(
      template,
      'AWS::ApiGatewayV2::Authorizer',
      'Api',
    );
    assert.equal(authorizer.Properties.AuthorizerType, 'JWT');
    assert.deepEqual(authorizer.Properties.IdentitySource, ['$request.header.Authorization']);
    assert.deepEqual(authorizer.Properties.JwtConfiguration.Audience.map(refTarget), [clientId]);
    assert.deepEqual(authorizer.Properties.JwtConfiguration.Issuer, {
      'Fn::Join': ['', ['https://cognito-idp.eu-west-1.amazonaws.com/', { Ref: poolId }]],
    });
    const all = routes();
    assert.ok(all['GET /api/{proxy+}'], 'GET /api/{proxy+}');
    for (const [key, route] of Object.entries(all)) {
      if (key === 'GET /healthz') continue;
      assert.equal(route.AuthorizationType, 'JWT', key);
      assert.equal(refTarget(route.AuthorizerId), authorizerId, key);
    }
  });

  it('writes on the annotation routes only (PUT and DELETE), behind the JWT authorizer', () => {
    const all = routes();
    const [authorizerId] = resourceByPrefix(template, 'AWS::ApiGatewayV2::Authorizer', 'Api');
    const writes = Object.keys(all).filter((k) => !k.startsWith('GET '));
    assert.deepEqual(writes.sort(), [
      'DELETE /api/records/{id}/annotation',
      'DELETE /api/zones/{id}/annotation',
      'PUT /api/records/{id}/annotation',
      'PUT /api/zones/{id}/annotation',
    ]);
    for (const key of writes) {
      assert.equal(all[key].AuthorizationType, 'JWT', key);
      assert.equal(refTarget(all[key].AuthorizerId), authorizerId, key);
    }
    assert.deepEqual(
      [...ANNOTATION_PATHS].sort(),
      ['/api/records/{id}/annotation', '/api/zones/{id}/annotation'],
      'the paths the api serves (docs/design.md, "Read API")',
    );
  });

  it('answers /healthz without a token, and nothing else', () => {
    const all = routes();
    const open = Object.entries(all).filter(([, r]) => r.AuthorizationType !== 'JWT');
    assert.deepEqual(
      open.map(([k]) => k),
      ['GET /healthz'],
    );
    assert.equal(all['GET /healthz'].AuthorizationType, 'NONE');
    // GET /api/me, like every read, is served by the catch-all.
    assert.deepEqual(
      Object.keys(all)
        .filter((k) => k.startsWith('GET '))
        .sort(),
      ['GET /api/{proxy+}', 'GET /healthz'],
    );
  });

  it('routes to the api Lambda with payload v2', () => {
    const [apiFnId] = lambdaFunction(template, 'Api');
    const [, integration] = resourceByPrefix(template, 'AWS::ApiGatewayV2::Integration', 'Api');
    assert.equal(integration.Properties.IntegrationType, 'AWS_PROXY');
    assert.equal(integration.Properties.PayloadFormatVersion, '2.0');
    assert.equal(refTarget(integration.Properties.IntegrationUri), apiFnId);
  });

  it('allows the dashboard origin only, and logs every request', () => {
    const [distId] = resourceByPrefix(template, 'AWS::CloudFront::Distribution', 'SiteCdn');
    const [, api] = resourceByPrefix(template, 'AWS::ApiGatewayV2::Api', 'ApiHttp');
    const origin = { 'Fn::Join': ['', ['https://', { 'Fn::GetAtt': [distId, 'DomainName'] }]] };
    assert.deepEqual(api.Properties.CorsConfiguration.AllowOrigins, [origin]);
    assert.deepEqual(api.Properties.CorsConfiguration.AllowHeaders, [
      'authorization',
      'content-type',
    ]);
    assert.deepEqual(api.Properties.CorsConfiguration.AllowMethods, [
      'GET',
      'PUT',
      'DELETE',
      'OPTIONS',
    ]);
    assert.equal(api.Properties.CorsConfiguration.AllowCredentials, undefined, 'no cookies');
    const [, stage] = resourceByPrefix(template, 'AWS::ApiGatewayV2::Stage', 'ApiDefaultStage');
    assert.equal(stage.Properties.StageName, '$default');
    assert.equal(stage.Properties.AutoDeploy, true);
    assert.ok(
      refTarget(stage.Properties.AccessLogSettings.DestinationArn)!.startsWith('ApiAccessLogs'),
    );
    assert.match(stage.Properties.AccessLogSettings.Format, /\$context\.requestId/);
    const [, fn] = lambdaFunction(template, 'Api');
    assert.deepEqual(fn.Properties.Environment.Variables[RustEnv.corsOrigin], origin);
    assert.equal(fn.Properties.Environment.Variables[LAMBDA_HTTP_IGNORE_STAGE_IN_PATH], 'true');
  });

  it('creates users by invitation only, with strong passwords and MFA', () => {
    template.hasResourceProperties('AWS::Cognito::UserPool', {
      AdminCreateUserConfig: { AllowAdminCreateUserOnly: true },
      MfaConfiguration: 'ON',
      EnabledMfas: ['SOFTWARE_TOKEN_MFA'],
      Policies: {
        PasswordPolicy: { MinimumLength: 14, RequireSymbols: true, RequireNumbers: true },
      },
    });
    const [, client] = resourceByPrefix(
      template,
      'AWS::Cognito::UserPoolClient',
      'AuthUsersDashboard',
    );
    const p = client.Properties;
    assert.equal(p.GenerateSecret, false, 'a browser app holds no secret');
    assert.deepEqual(p.AllowedOAuthFlows, ['code']);
    assert.deepEqual(p.AllowedOAuthScopes.sort(), ['email', 'openid']);
    assert.equal(p.ExplicitAuthFlows, undefined, 'no password flows outside the hosted pages');
    template.hasResourceProperties('AWS::Cognito::UserPoolDomain', {
      Domain: 'zonetrail-111111111111',
    });
  });

  it('has a group of editors in the user pool, named as the api expects by default', () => {
    const [poolId] = resourceByPrefix(template, 'AWS::Cognito::UserPool', 'AuthUsers');
    const [, group] = resourceByPrefix(template, 'AWS::Cognito::UserPoolGroup', 'AuthUsersEditors');
    assert.equal(group.Properties.GroupName, EDITOR_GROUP);
    assert.equal(group.Properties.GroupName, 'zonetrail-editors');
    assert.equal(refTarget(group.Properties.UserPoolId), poolId);
    assert.match(group.Properties.Description, /annotations/);
    template.resourceCountIs('AWS::Cognito::UserPoolGroup', 1);
    const [, fn] = lambdaFunction(template, 'Api');
    const env = fn.Properties.Environment.Variables;
    assert.equal(env[RustEnv.editorClaim], 'cognito:groups');
    assert.equal(env[RustEnv.editorClaim], DEFAULT_EDITOR_CLAIM);
    assert.equal(env[RustEnv.editorValue], 'zonetrail-editors');
    // Where an operator finds the pool to add editors to (docs/deploy.md, "Editors").
    template.hasOutput('UserPoolId', { Value: { Ref: poolId } });
  });

  it('uses an existing OIDC issuer from context instead of Cognito', () => {
    const { template: t } = synth({
      oidcIssuer: 'https://login.example.com/realms/ops/',
      oidcAudience: 'zonetrail-dashboard',
      oidcDomain: 'https://login.example.com/realms/ops',
    });
    t.resourceCountIs('AWS::Cognito::UserPool', 0);
    t.hasResourceProperties('AWS::ApiGatewayV2::Authorizer', {
      AuthorizerType: 'JWT',
      JwtConfiguration: {
        Issuer: 'https://login.example.com/realms/ops',
        Audience: ['zonetrail-dashboard'],
      },
    });
    t.resourceCountIs('AWS::Cognito::UserPoolGroup', 0);
    for (const [key, route] of Object.entries(routes(t))) {
      assert.equal(route.AuthorizationType, key === 'GET /healthz' ? 'NONE' : 'JWT', key);
    }
    const [, fn] = lambdaFunction(t, 'Api');
    assert.equal(fn.Properties.Environment.Variables[RustEnv.editorClaim], 'cognito:groups');
    assert.equal(fn.Properties.Environment.Variables[RustEnv.editorValue], 'zonetrail-editors');
  });

  it("names the OIDC provider's editors by claim and value from context", () => {
    const { template: t } = synth({
      oidcIssuer: 'https://login.example.com/realms/ops',
      oidcAudience: 'zonetrail-dashboard',
      editorClaim: 'groups',
      editorValue: 'dns-owners',
    });
    const [, fn] = lambdaFunction(t, 'Api');
    assert.equal(fn.Properties.Environment.Variables[RustEnv.editorClaim], 'groups');
    assert.equal(fn.Properties.Environment.Variables[RustEnv.editorValue], 'dns-owners');
  });
});
