import { useState, type ReactNode } from "react";
import { useTranslation } from "react-i18next";
import { BrowserRouter, Link, Navigate, NavLink, Route, Routes, useLocation, useNavigate } from "react-router-dom";
import { AuthProvider, useAuth } from "./auth";
import { LanguageSwitch } from "./components/LanguageSwitch";
import { MembershipBanner } from "./components/MembershipBanner";
import { Loading } from "./components/ui";
import { Account } from "./pages/Account";
import { ForgotPassword, ResetPassword, VerifyBanner, VerifyEmail } from "./pages/AccountLinks";
import { MembershipsPage } from "./pages/account/Memberships";
import { MyGifts, MyTeams } from "./pages/account/MySales";
import { Admin } from "./pages/Admin";
import { Bundle } from "./pages/Bundle";
import { Catalog } from "./pages/Catalog";
import { Checkout } from "./pages/Checkout";
import { GiftClaim, SeatClaim } from "./pages/Claim";
import { Course } from "./pages/Course";
import { Lesson } from "./pages/Lesson";
import { MembershipCheckout } from "./pages/MembershipCheckout";
import { MyLearning } from "./pages/MyLearning";
import { Pricing } from "./pages/Pricing";
import { SignIn } from "./pages/SignIn";
import { SignUp } from "./pages/SignUp";
import { Studio } from "./pages/Studio";
import { CaptionEditor } from "./pages/studio/captions/CaptionEditor";
import { StudioPlans } from "./pages/studio/Plans";
import { QuizResults } from "./pages/studio/quiz/QuizResults";
import { StudioCourse } from "./pages/studio/StudioCourse";
import { Team } from "./pages/team/Team";

export function App() {
  // Subscribed here, the whole page renders again in the language chosen.
  const { t } = useTranslation();
  return (
    <AuthProvider>
      <BrowserRouter>
        <a className="skip" href="#content">
          {t("skipToContent")}
        </a>
        <Header />
        <VerifyBanner />
        <MembershipBanner />
        <div id="content">
          <Routes>
            <Route path="/" element={<Catalog />} />
            <Route path="/signin" element={<SignIn />} />
            <Route path="/signup" element={<SignUp />} />
            <Route path="/verify-email" element={<VerifyEmail />} />
            <Route path="/forgot-password" element={<ForgotPassword />} />
            <Route path="/reset-password" element={<ResetPassword />} />
            <Route path="/courses/:ref" element={<Course />} />
            <Route path="/bundles/:bundleId" element={<Bundle />} />
            <Route path="/pricing" element={<Pricing />} />
            <Route
              path="/account/memberships"
              element={
                <Private>
                  <MembershipsPage />
                </Private>
              }
            />
            <Route
              path="/memberships/:membershipId/checkout"
              element={
                <Private>
                  <MembershipCheckout />
                </Private>
              }
            />
            <Route
              path="/studio/plans"
              element={
                <Private role="instructor">
                  <StudioPlans />
                </Private>
              }
            />
            <Route path="/gifts/claim" element={<GiftClaim />} />
            <Route path="/seats/claim" element={<SeatClaim />} />
            <Route
              path="/my/gifts"
              element={
                <Private>
                  <MyGifts />
                </Private>
              }
            />
            <Route
              path="/my/teams"
              element={
                <Private>
                  <MyTeams />
                </Private>
              }
            />
            <Route
              path="/teams/:teamId"
              element={
                <Private>
                  <Team />
                </Private>
              }
            />
            <Route
              path="/account"
              element={
                <Private>
                  <Account />
                </Private>
              }
            />
            <Route
              path="/my"
              element={
                <Private>
                  <MyLearning />
                </Private>
              }
            />
            <Route
              path="/checkout/:orderId"
              element={
                <Private>
                  <Checkout />
                </Private>
              }
            />
            <Route
              path="/learn/:courseId/:lessonId"
              element={
                <Private>
                  <Lesson />
                </Private>
              }
            />
            <Route
              path="/studio"
              element={
                <Private role="instructor">
                  <Studio />
                </Private>
              }
            />
            <Route
              path="/studio/courses/:courseId"
              element={
                <Private role="instructor">
                  <StudioCourse />
                </Private>
              }
            />
            <Route
              path="/studio/courses/:courseId/videos/:videoId/captions/:language"
              element={
                <Private role="instructor">
                  <CaptionEditor />
                </Private>
              }
            />
            <Route
              path="/studio/quizzes/:quizId/results"
              element={
                <Private role="instructor">
                  <QuizResults />
                </Private>
              }
            />
            <Route
              path="/admin"
              element={
                <Private role="admin">
                  <Admin />
                </Private>
              }
            />
            <Route
              path="*"
              element={
                <main>
                  <h1>{t("notFound.title")}</h1>
                  <Link to="/">{t("notFound.back")}</Link>
                </main>
              }
            />
          </Routes>
        </div>
      </BrowserRouter>
    </AuthProvider>
  );
}

function Private({ children, role }: { children: ReactNode; role?: "instructor" | "admin" }) {
  const { t } = useTranslation();
  const { user, loading, is } = useAuth();
  const location = useLocation();
  if (loading) return <Loading />;
  if (!user) return <Navigate to={`/signin?next=${encodeURIComponent(location.pathname)}`} replace />;
  if (role && !is(role))
    return (
      <main>
        <h1>{t("notAllowed.title")}</h1>
        <p>{role === "admin" ? t("notAllowed.admin") : t("notAllowed.instructor")}</p>
      </main>
    );
  return <>{children}</>;
}

function Header() {
  const { t } = useTranslation();
  const { user, is, signOut } = useAuth();
  const navigate = useNavigate();
  const [open, setOpen] = useState(false);
  return (
    <header className="topbar">
      <Link to="/" className="brand">
        <span className="logo" aria-hidden="true">
          ▶
        </span>{" "}
        CourseVault
      </Link>
      <button className="menu-toggle" aria-expanded={open} aria-controls="nav" onClick={() => setOpen(!open)}>
        {t("nav.menu")}
      </button>
      <nav id="nav" className={open ? "open" : ""} onClick={() => setOpen(false)}>
        <NavLink to="/" end>
          {t("nav.catalog")}
        </NavLink>
        <NavLink to="/pricing">{t("nav.pricing")}</NavLink>
        {user && <NavLink to="/my">{t("nav.myLearning")}</NavLink>}
        {is("instructor") && <NavLink to="/studio">{t("nav.studio")}</NavLink>}
        {is("admin") && <NavLink to="/admin">{t("nav.admin")}</NavLink>}
        {user ? (
          <>
            <NavLink to="/account">{user.name}</NavLink>
            <button className="link" onClick={() => void signOut().then(() => navigate("/"))}>
              {t("nav.signOut")}
            </button>
          </>
        ) : (
          <>
            <NavLink to="/signin">{t("nav.signIn")}</NavLink>
            <NavLink to="/signup" className="button primary">
              {t("nav.signUp")}
            </NavLink>
          </>
        )}
        <LanguageSwitch />
      </nav>
    </header>
  );
}
