import type { AnchorHTMLAttributes } from "react";
import { navigate } from "../router";

/**
 * A link within the app: a real <a href> (so it can be opened in a new tab or copied), followed
 * by navigate() on a plain click instead of a page load.
 */
export function Link({ to, onClick, ...props }: { to: string } & Omit<AnchorHTMLAttributes<HTMLAnchorElement>, "href">) {
  return (
    <a
      href={to}
      {...props}
      onClick={(event) => {
        onClick?.(event);
        // Ctrl/⌘/Shift-clicks and other buttons are the browser's: a new tab or window.
        if (event.defaultPrevented || event.button !== 0) return;
        if (event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
        event.preventDefault();
        navigate(to);
      }}
    />
  );
}
