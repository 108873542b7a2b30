import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { App } from "./App";
import { AuthProvider } from "./auth";
import { ready } from "./i18n";
import "./styles.css";

// The first render is in the user's language: its messages may be a chunk still to fetch.
void ready.then(() =>
  createRoot(document.getElementById("root")!).render(
    <StrictMode>
      <AuthProvider>
        <App />
      </AuthProvider>
    </StrictMode>,
  ),
);
