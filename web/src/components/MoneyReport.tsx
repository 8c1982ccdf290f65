import { useTranslation } from "react-i18next";
import { moneyReport, type MoneyReport as Report } from "../api/sales";
import { formatNumber } from "../i18n/format";
import { amount, churnText, kindLabel, mrrText, salesRows, totals } from "../moneyReport";
import { Loading, Notice, useLoad } from "./ui";

/** The money page's figures: one-time sales per kind and currency, and memberships. The
 * server decides whose: the caller's own courses and plans, or the whole site's (admins). */
export function MoneyReport({ heading }: { heading: string }) {
  const { t } = useTranslation("reports");
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
            {data.scope === "site" ? t("money.site") : t("money.own")} {t("money.refunds")}
          </p>
          <Sales sales={data.sales} />
          <Memberships memberships={data.memberships} />
        </>
      )}
    </section>
  );
}

function Sales({ sales }: { sales: Report["sales"] }) {
  const { t } = useTranslation("reports");
  if (sales.length === 0) return <p className="empty">{t("money.noSales")}</p>;
  return (
    <div className="table-scroll">
      <table>
        <caption className="sr-only">{t("money.salesCaption")}</caption>
        <thead>
          <tr>
            <th scope="col">{t("money.sold")}</th>
            <th scope="col">{t("money.orders")}</th>
            <th scope="col">{t("money.paid")}</th>
            <th scope="col">{t("money.refunded")}</th>
            <th scope="col">{t("money.net")}</th>
          </tr>
        </thead>
        <tbody>
          {salesRows(sales).map((row) => (
            <tr key={`${row.kind}-${row.currency}`} data-testid={`sales-${row.kind}`}>
              <th scope="row">
                {kindLabel(row.kind)} <span className="muted">({row.currency.toUpperCase()})</span>
              </th>
              <td>{formatNumber(row.orders)}</td>
              <td>{amount(row.paid, row.currency)}</td>
              <td>{amount(row.refunded, row.currency)}</td>
              <td>
                <strong>{amount(row.net, row.currency)}</strong>
              </td>
            </tr>
          ))}
        </tbody>
        <tfoot>
          {totals(sales).map((total) => (
            <tr key={total.currency} data-testid="sales-total">
              <th scope="row">{t("money.total", { currency: total.currency.toUpperCase() })}</th>
              <td>{formatNumber(total.orders)}</td>
              <td>{amount(total.paid, total.currency)}</td>
              <td>{amount(total.refunded, total.currency)}</td>
              <td>
                <strong>{amount(total.net, total.currency)}</strong>
              </td>
            </tr>
          ))}
        </tfoot>
      </table>
    </div>
  );
}

function Memberships({ memberships }: { memberships: Report["memberships"] }) {
  const { t } = useTranslation("reports");
  const { overall, plans } = memberships;
  return (
    <>
      <h3>{t("members.title")}</h3>
      {plans.length === 0 ? (
        <p className="muted">{t("members.none")}</p>
      ) : (
        <>
          <dl className="figures" data-testid="membership-overall">
            <div>
              <dt>{t("members.mrr")}</dt>
              <dd>{mrrText(overall.mrr)}</dd>
            </div>
            <div>
              <dt>{t("members.active")}</dt>
              <dd>{formatNumber(overall.active)}</dd>
            </div>
            <div>
              <dt>{t("members.pastDue")}</dt>
              <dd>{formatNumber(overall.past_due)}</dd>
            </div>
            <div>
              <dt>{t("members.churn")}</dt>
              <dd>
                {churnText(overall.churn_30_days)}{" "}
                <small className="muted">
                  {t("members.ended", { ended: overall.ended_last_30_days, count: overall.active_30_days_ago })}
                </small>
              </dd>
            </div>
          </dl>
          <div className="table-scroll">
            <table>
              <caption className="sr-only">{t("members.caption")}</caption>
              <thead>
                <tr>
                  <th scope="col">{t("members.plan")}</th>
                  <th scope="col">{t("members.mrrShort")}</th>
                  <th scope="col">{t("members.activeShort")}</th>
                  <th scope="col">{t("members.pastDue")}</th>
                  <th scope="col">{t("members.churnShort")}</th>
                </tr>
              </thead>
              <tbody>
                {plans.map((p) => (
                  <tr key={p.plan_id}>
                    <th scope="row">{p.title}</th>
                    <td>{mrrText(p.mrr)}</td>
                    <td>{formatNumber(p.active)}</td>
                    <td>{formatNumber(p.past_due)}</td>
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
