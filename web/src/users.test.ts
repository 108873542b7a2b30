import { describe, expect, it } from "vitest";
import type { User } from "./api";
import { ApiError, NetworkError } from "./api";
import { accountErrorMessage, passwordProblem, readableDetail, usernameProblem, withUser } from "./users";

describe("passwordProblem", () => {
  it("accepts 12 characters or more that are neither the username nor the demo password", () => {
    expect(passwordProblem("correct-horse-1", "sato")).toBeNull();
    expect(passwordProblem("x".repeat(12), "sato")).toBeNull();
  });

  it("refuses fewer than 12 characters, counting code points as the server does", () => {
    expect(passwordProblem("x".repeat(11), "sato")).toBe("The password is shorter than 12 characters.");
    // Six emoji are 12 UTF-16 units but 6 characters.
    expect(passwordProblem("🚗".repeat(6), "sato")).toMatch(/shorter than 12/);
    expect(passwordProblem("パスワードは十二文字以上です", "sato")).toBeNull();
  });

  it("refuses the demo password and the username, whatever its case", () => {
    expect(passwordProblem("carsensor-demo", "sato")).toBe("The password is the published demo password.");
    expect(passwordProblem("sales-manager-1", "sales-manager-1")).toBe("The password is the username.");
    expect(passwordProblem("Sales-Manager-1", "sales-manager-1")).toBe("The password is the username.");
    // The username first, as the server checks it: "short" is also too short.
    expect(passwordProblem("short", "short")).toBe("The password is the username.");
  });
});

describe("usernameProblem", () => {
  it("accepts what POST /api/users accepts: 1 to 64 characters, no spaces or control characters", () => {
    expect(usernameProblem("sato")).toBeNull();
    expect(usernameProblem("佐藤.hanako@sales")).toBeNull();
    expect(usernameProblem("x".repeat(64))).toBeNull();
  });

  it("refuses an empty name, spaces, control characters and more than 64 characters", () => {
    expect(usernameProblem("")).toBe("Enter a username.");
    expect(usernameProblem("sato hanako")).toMatch(/cannot contain spaces/);
    expect(usernameProblem("sato\u3000hanako")).toMatch(/cannot contain spaces/);
    expect(usernameProblem("sato\u0000")).toMatch(/control characters/);
    expect(usernameProblem("x".repeat(65))).toBe("The username is longer than 64 characters.");
  });
});

describe("readableDetail", () => {
  it("drops a password field's name and Pydantic's prefix, and ends the sentence", () => {
    expect(readableDetail("new_password: Value error, the password is the username")).toBe(
      "The password is the username.",
    );
    expect(readableDetail("password: String should have at least 12 characters")).toBe(
      "String should have at least 12 characters.",
    );
  });

  it("keeps other text as it is", () => {
    expect(readableDetail("Username taken")).toBe("Username taken.");
    expect(readableDetail("Cannot disable the last active admin.")).toBe("Cannot disable the last active admin.");
    expect(readableDetail("username: String should match pattern")).toBe("Username: String should match pattern.");
  });
});

describe("accountErrorMessage", () => {
  it("shows the API's reason for 400, 409 and 422", () => {
    expect(accountErrorMessage(new ApiError(409, "The last active admin stays an admin"), "x")).toBe(
      "The last active admin stays an admin.",
    );
    expect(accountErrorMessage(new ApiError(400, "Wrong password"), "x")).toBe("Wrong password.");
    expect(accountErrorMessage(new ApiError(422, "password: Value error, too common"), "x")).toBe("Too common.");
  });

  it("names 403, 404, the network and anything else", () => {
    expect(accountErrorMessage(new ApiError(403, "Forbidden"), "x")).toBe("Only admins can manage users.");
    expect(accountErrorMessage(new ApiError(404, "Not found"), "x")).toMatch(/no longer exists/);
    expect(accountErrorMessage(new NetworkError(), "x")).toBe("The server cannot be reached. Try again in a moment.");
    expect(accountErrorMessage(new ApiError(500, "Internal Server Error"), "The user could not be added")).toBe(
      "The user could not be added: Internal Server Error",
    );
    expect(accountErrorMessage(new Error("boom"), "The change was not saved")).toBe("The change was not saved.");
  });
});

describe("withUser", () => {
  const user = (id: number, username: string, is_active = true): User => ({
    id,
    username,
    is_admin: false,
    is_active,
    created_at: "2026-01-01T00:00:00Z",
    updated_at: "2026-01-01T00:00:00Z",
  });

  it("inserts a new user in username order", () => {
    const list = [user(1, "admin"), user(3, "tanaka")];
    expect(withUser(list, user(4, "sato")).map((u) => u.username)).toEqual(["admin", "sato", "tanaka"]);
    expect(list).toHaveLength(2);
  });

  it("replaces a changed user in place", () => {
    const updated = withUser([user(1, "admin"), user(2, "sato")], user(2, "sato", false));
    expect(updated.map((u) => [u.username, u.is_active])).toEqual([
      ["admin", true],
      ["sato", false],
    ]);
  });
});
