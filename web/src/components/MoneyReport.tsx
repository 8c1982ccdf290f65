import { moneyReport, type MoneyReport as Report } from "../api/sales";
import { amount, churnText, KIND_LABELS, mrrText, salesRows, totals } from "../moneyReport";
import { Loading, Notice, useLoad } from "./ui";

/** The money page's figures: one-time sales per kind and currency, and memberships. The
 * server decides whose: the caller's own courses and plans, or the whole site's (admins). */
export function MoneyReport({ heading }: { heading: string }) {
  const { data, error } = useLoad(moneyReport, []);
  return (
    <section className="card money" aria-labelledby="money-title" data-testid="money-report">
      <h2 id="money-title">{heading}</h2>
      <Notice error={error} />
      {!data ? (
        !error && <Loading />
      ) : (
        <>
          <p className="muted">
            {data.scope === "site"
              ? "Every sale and membership plan of the site."
              : "Your courses, bundles and membership plans."}{" "}
            Refunds are counted in full; net is what was kept.
          </p>
          <Sales sales={data.sales} />
          <Memberships memberships={data.memberships} />
        </>
      )}
    </section>
  );
}

function Sales({ sales }: { sales: Report["sales"] }) {
  if (sales.length === 0) return <p className="empty">No sales yet.</p>;
  return (
    <div className="table-scroll">
      <table>
        <caption className="sr-only">One-time sales per kind and currency</caption>
        <thead>
          <tr>
            <th scope="col">Sold</th>
            <th scope="col">Orders</th>
            <th scope="col">Paid</th>
            <th scope="col">Refunded</th>
            <th scope="col">Net</th>
          </tr>
        </thead>
        <tbody>
          {salesRows(sales).map((row) => (
            <tr key={`${row.kind}-${row.currency}`} data-testid={`sales-${row.kind}`}>
              <th scope="row">
                {KIND_LABELS[row.kind]} <span className="muted">({row.currency.toUpperCase()})</span>
              </th>
              <td>{row.orders}</td>
              <td>{amount(row.paid, row.currency)}</td>
              <td>{amount(row.refunded, row.currency)}</td>
              <td>
                <strong>{amount(row.net, row.currency)}</strong>
              </td>
            </tr>
          ))}
        </tbody>
        <tfoot>
          {totals(sales).map((t) => (
            <tr key={t.currency} data-testid="sales-total">
              <th scope="row">Total ({t.currency.toUpperCase()})</th>
              <td>{t.orders}</td>
              <td>{amount(t.paid, t.currency)}</td>
              <td>{amount(t.refunded, t.currency)}</td>
              <td>
                <strong>{amount(t.net, t.currency)}</strong>
              </td>
            </tr>
          ))}
        </tfoot>
      </table>
    </div>
  );
}

function Memberships({ memberships }: { memberships: Report["memberships"] }) {
  const { overall, plans } = memberships;
  return (
    <>
      <h3>Memberships</h3>
      {plans.length === 0 ? (
        <p className="muted">No membership plans.</p>
      ) : (
        <>
          <dl className="figures" data-testid="membership-overall">
            <div>
              <dt>Monthly recurring revenue</dt>
              <dd>{mrrText(overall.mrr)}</dd>
            </div>
            <div>
              <dt>Active members</dt>
              <dd>{overall.active}</dd>
            </div>
            <div>
              <dt>Past due</dt>
              <dd>{overall.past_due}</dd>
            </div>
            <div>
              <dt>Churn, last 30 days</dt>
              <dd>
                {churnText(overall.churn_30_days)}{" "}
                <small className="muted">
                  ({overall.ended_last_30_days} of {overall.active_30_days_ago} ended)
                </small>
              </dd>
            </div>
          </dl>
          <div className="table-scroll">
            <table>
              <caption className="sr-only">Membership figures per plan</caption>
              <thead>
                <tr>
                  <th scope="col">Plan</th>
                  <th scope="col">MRR</th>
                  <th scope="col">Active</th>
                  <th scope="col">Past due</th>
                  <th scope="col">Churn (30 days)</th>
                </tr>
              </thead>
              <tbody>
                {plans.map((p) => (
                  <tr key={p.plan_id}>
                    <th scope="row">{p.title}</th>
                    <td>{mrrText(p.mrr)}</td>
                    <td>{p.active}</td>
                    <td>{p.past_due}</td>
                    <td>{churnText(p.churn_30_days)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </>
      )}
    </>
  );
}
