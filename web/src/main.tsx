import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { App } from "./App";
import { ready } from "./i18n";
import "./styles.css";

await ready;
createRoot(document.getElementById("root")!).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
