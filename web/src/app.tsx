// The app: asks who is signed in, then routes. Anyone sees the public screens (sign in, forgot
// password, not found); a signed-in person sees the screens of the shell. The controller answers
// every path that is not /api, /healthz, /metrics or a file with index.html, so each route here
// is also a URL that can be bookmarked and reloaded.
import { useEffect } from 'preact/hooks';
import { LocationProvider, Route, Router, useLocation } from 'preact-iso/router';
import { t } from './i18n/i18n';
import { ForgotPassword } from './screens/forgot_password/forgot_password';
import { Dashboard } from './screens/dashboard/dashboard';
import { Databases } from './screens/databases/databases';
import { ZoneRecords } from './screens/dns/zone_records';
import { Zones } from './screens/dns/zones';
import { Files } from './screens/files/files';
import { Forwarders } from './screens/forwarders/forwarders';
import { FtpUsers } from './screens/ftp_users/ftp_users';
import { Home } from './screens/home/home';
import { Audit } from './screens/audit/audit';
import { CustomerDetail } from './screens/customers/customer_detail';
import { Customers } from './screens/customers/customers';
import { Nodes } from './screens/nodes/nodes';
import { Plans } from './screens/plans/plans';
import { Resellers } from './screens/resellers/resellers';
import { Tasks } from './screens/tasks/tasks';
import { Mailboxes } from './screens/mailboxes/mailboxes';
import { SiteSettings } from './screens/sites/site_settings';
import { Sites } from './screens/sites/sites';
import { NotFound } from './screens/not_found/not_found';
import { Certificates } from './screens/certificates/certificates';
import { Password } from './screens/password/password';
import { SecondFactor } from './screens/second_factor/second_factor';
import { Sessions } from './screens/sessions/sessions';
import { ResetPassword } from './screens/reset_password/reset_password';
import { SignIn } from './screens/sign_in/sign_in';
import { Layout, PublicLayout } from './shell/layout';
import { isCustomerView } from './shell/customer_view';
import type { SessionStore } from './shell/session_store';

function Redirect({ to }: { to: string }) {
  const { route } = useLocation();
  useEffect(() => route(to, true), [to]);
  return null;
}

export function App({ store }: { store: SessionStore }) {
  useEffect(() => {
    void store.load();
  }, [store]);

  const status = store.status.value;
  if (status === 'loading') {
    return (
      <p class="app-loading" role="status">
        {t('app.loading')}
      </p>
    );
  }
  if (status === 'signed_in' && isCustomerView(store)) {
    return (
      <LocationProvider>
        <Layout store={store}>
          <Router>
            <Route path="/" component={Dashboard} store={store} />
            <Route path="/sites" component={Sites} store={store} />
            <Route path="/sites/:domain" component={SiteSettings} store={store} />
            <Route path="/mailboxes" component={Mailboxes} store={store} />
            <Route path="/forwarders" component={Forwarders} store={store} />
            <Route path="/ftp-users" component={FtpUsers} store={store} />
            <Route path="/databases" component={Databases} store={store} />
            <Route path="/dns" component={Zones} store={store} />
            <Route path="/dns/:zone" component={ZoneRecords} store={store} />
            <Route path="/certificates" component={Certificates} store={store} />
            <Route path="/files" component={Files} store={store} />
            <Route path="/settings" component={Redirect} to="/settings/password" />
            <Route path="/settings/password" component={Password} store={store} />
            <Route path="/settings/second-factor" component={SecondFactor} store={store} />
            <Route path="/settings/sessions" component={Sessions} store={store} />
            <Route path="/sign-in" component={Redirect} to="/" />
            <Route default component={NotFound} />
          </Router>
        </Layout>
      </LocationProvider>
    );
  }
  if (status === 'signed_in') {
    // Resellers and staff. The navigation offers each role its screens; the API judges every
    // route (a reseller who types /nodes reads the API's refusal; support may not drain).
    return (
      <LocationProvider>
        <Layout store={store}>
          <Router>
            <Route path="/" component={Home} store={store} />
            <Route path="/customers" component={Customers} store={store} />
            <Route path="/customers/:login" component={CustomerDetail} store={store} />
            <Route path="/plans" component={Plans} store={store} />
            <Route path="/tasks" component={Tasks} store={store} />
            <Route path="/audit" component={Audit} store={store} />
            <Route path="/resellers" component={Resellers} store={store} />
            <Route path="/nodes" component={Nodes} store={store} />
            <Route path="/settings" component={Redirect} to="/settings/password" />
            <Route path="/settings/password" component={Password} store={store} />
            <Route path="/settings/second-factor" component={SecondFactor} store={store} />
            <Route path="/settings/sessions" component={Sessions} store={store} />
            <Route path="/sign-in" component={Redirect} to="/" />
            <Route path="/set-password" component={ResetPassword} store={store} />
            <Route default component={NotFound} />
          </Router>
        </Layout>
      </LocationProvider>
    );
  }
  return (
    <LocationProvider>
      <PublicLayout>
        <Router>
          <Route path="/" component={Redirect} to="/sign-in" />
          <Route path="/sign-in" component={SignIn} store={store} />
          <Route path="/forgot-password" component={ForgotPassword} store={store} />
          <Route path="/set-password" component={ResetPassword} store={store} />
          <Route default component={NotFound} />
        </Router>
      </PublicLayout>
    </LocationProvider>
  );
}
