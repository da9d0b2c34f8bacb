"""The Tk lock screen: full screen while locked, a small always-on-top countdown in a session.

Tk must own the main thread, so the controller runs in a worker thread and
hands its events over a queue that Tk drains every 100 ms. Labels are shown
in both languages (the chosen one first): residents may speak either.
"""

import queue
import threading
import tkinter as tk

from agent.i18n import Translator

POLL_MS = 100
BG, FG, ACCENT, WARN = "#0b3d66", "#ffffff", "#ffd24d", "#b00020"


class TkUI:
    """`--ui tk`."""

    def __init__(self, t, kind):
        self.t = t
        self.other = Translator("en" if t.lang == "pl" else "pl")  # uk: Polish beneath
        self.kind = kind
        self.events = queue.Queue()
        self.agent = None
        self.popups = []
        self._polls = 0

    def both(self, key, **fields):
        """A label in the chosen language with the other one beneath."""
        first, second = self.t(key, **fields), self.other(key, **fields)
        return first if first == second else f"{first}\n{second}"

    def emit(self, event):
        """Called from any thread; Tk picks it up in `_poll`."""
        self.events.put(event)

    def run(self, agent):
        """Run the controller in a thread and Tk in this one; return the exit status."""
        self.agent = agent
        result = {}
        worker = threading.Thread(
            target=lambda: result.setdefault("status", agent.run()), name="controller", daemon=True
        )
        self._build()
        worker.start()
        self._poll(worker)
        self.root.mainloop()
        agent.stop()
        worker.join(timeout=5)
        return result.get("status", 0)

    # --- windows ---------------------------------------------------------------
    def _build(self):
        root = self.root = tk.Tk()
        root.title(self.t("title"))
        root.configure(bg=BG)
        # Both: -fullscreen needs a window manager, the geometry covers bare X servers.
        root.geometry(f"{root.winfo_screenwidth()}x{root.winfo_screenheight()}+0+0")
        root.attributes("-fullscreen", True)
        root.attributes("-topmost", True)
        root.protocol("WM_DELETE_WINDOW", lambda: None)  # residents cannot close the lock
        big, mid = ("DejaVu Sans", 24, "bold"), ("DejaVu Sans", 14)
        frame = tk.Frame(root, bg=BG)
        frame.place(relx=0.5, rely=0.5, anchor="center")
        tk.Label(frame, text=self.both("title"), font=big, fg=FG, bg=BG).pack(pady=(0, 20))
        self.prompt = tk.Label(
            frame,
            font=mid,
            fg=FG,
            bg=BG,
            justify="center",
            text=self.both("kiosk_prompt" if self.kind == "kiosk" else "started"),
        )
        self.prompt.pack(pady=(0, 20))
        if self.kind == "kiosk":
            tk.Button(
                frame,
                text=self.both("start"),
                font=big,
                bg=ACCENT,
                width=20,
                height=3,
                command=lambda: self._request({"method": "kiosk"}),
            ).pack(pady=10)
        self.code = self._field(frame, "code_label", mid)
        self.code.bind("<Return>", lambda e: self._send_code())
        tk.Button(
            frame, text=self.both("unlock"), font=mid, bg=ACCENT, command=self._send_code
        ).pack(pady=(6, 18))
        tk.Label(frame, text=self.both("or"), font=mid, fg=FG, bg=BG).pack()
        row = tk.Frame(frame, bg=BG)
        row.pack(pady=(10, 0))
        left, right = tk.Frame(row, bg=BG), tk.Frame(row, bg=BG)
        left.pack(side="left", padx=10, anchor="s")
        right.pack(side="left", padx=10, anchor="s")
        self.card = self._field(left, "card_label", mid)
        self.pin = self._field(right, "pin_label", mid, show="•", width=10)
        self.pin.bind("<Return>", lambda e: self._send_card())
        self.card.bind("<Return>", lambda e: self.pin.focus_set())
        tk.Button(
            frame, text=self.both("unlock"), font=mid, bg=ACCENT, command=self._send_card
        ).pack(pady=6)
        self.message = tk.Label(frame, font=mid, fg=ACCENT, bg=BG, wraplength=900, justify="center")
        self.message.pack(pady=20)
        self.status = tk.Label(root, font=("DejaVu Sans", 12), fg=FG, bg=BG)
        self.status.place(relx=0.99, rely=0.99, anchor="se")
        # RODO art. 13: the notice is one touch away before anyone types a thing.
        self.privacy_button = tk.Button(
            root, text=self.both("privacy").replace("\n", " · "), font=("DejaVu Sans", 12),
            command=lambda: self.agent.post("privacy", self.t.lang),
        )
        self.privacy_button.place(relx=0.01, rely=0.99, anchor="sw")
        self.timer = None
        self.code.focus_set()

    def _field(self, parent, key, font, show=None, width=24):
        tk.Label(parent, text=self.both(key), font=font, fg=FG, bg=BG).pack()
        entry = tk.Entry(parent, font=font, width=width, justify="center", show=show or "")
        entry.pack(pady=4)
        return entry

    def _countdown(self):
        win = self.timer = tk.Toplevel(self.root)
        win.overrideredirect(True)
        win.attributes("-topmost", True)
        win.configure(bg=BG)
        win.geometry("-10+10")
        tk.Label(win, text=self.both("time_left"), fg=FG, bg=BG, font=("DejaVu Sans", 10)).pack(
            padx=10
        )
        self.clock = tk.Label(win, fg=FG, bg=BG, font=("DejaVu Sans", 22, "bold"))
        self.clock.pack(padx=10)
        tk.Button(
            win,
            text=self.both("end_session"),
            font=("DejaVu Sans", 9),
            command=lambda: self.agent.post("end_by_user"),
        ).pack(pady=(2, 8))
        for sequence in ("<Motion>", "<Key>", "<Button>"):
            win.bind(sequence, lambda e: self.agent.post("activity"))
        self._tick()

    def _tick(self):
        if self.timer is None:
            return
        left = self.agent.sessions.remaining()
        if left is not None:
            minutes, seconds = divmod(int(left), 60)
            self.clock.configure(text=f"{minutes:02d}:{seconds:02d}", fg=WARN if left <= 60 else FG)
        self.timer.after(500, self._tick)

    def _popup(self, text):
        win = tk.Toplevel(self.root)
        win.attributes("-topmost", True)
        win.title(self.t("title"))
        tk.Label(win, text=text, font=("DejaVu Sans", 16), wraplength=500, padx=20, pady=20).pack()
        tk.Button(win, text=self.t("ok"), command=win.destroy, width=10).pack(pady=(0, 12))
        win.after(60_000, win.destroy)
        self.popups.append(win)

    def _notice(self, event):
        """The privacy notice in a scrollable window over the lock screen."""
        if not event.get("text"):
            return self._popup(event.get("message", ""))
        win = tk.Toplevel(self.root)
        win.attributes("-topmost", True)
        win.title(event.get("title") or self.t("privacy"))
        width, height = self.root.winfo_screenwidth(), self.root.winfo_screenheight()
        win.geometry(f"{min(900, width - 40)}x{height - 80}+20+20")
        box = tk.Frame(win)
        box.pack(fill="both", expand=True, padx=12, pady=(12, 0))
        text = tk.Text(box, wrap="word", font=("DejaVu Sans", 13), padx=10, pady=10)
        bar = tk.Scrollbar(box, command=text.yview)
        text.configure(yscrollcommand=bar.set)
        bar.pack(side="right", fill="y")
        text.pack(side="left", fill="both", expand=True)
        text.tag_configure("heading", font=("DejaVu Sans", 15, "bold"), spacing1=8)
        headings = set(event.get("headings") or ())
        for line in event["text"].splitlines():
            text.insert("end", line + "\n", ("heading",) if line in headings else ())
        if event.get("url"):
            text.insert("end", "\n" + self.t("privacy_online", url=event["url"]) + "\n")
        text.configure(state="disabled")  # read, scroll and select; nothing to type into
        tk.Button(win, text=self.t("close"), command=win.destroy, width=12,
                  font=("DejaVu Sans", 13)).pack(pady=10)
        self.popups.append(win)
        win.lift()  # above the full-screen lock, also where no window manager stacks it
        text.focus_set()

    def _clear(self):
        """Nothing of the previous session stays: messages gone, every field empty."""
        for win in self.popups:
            try:
                win.destroy()
            except tk.TclError:
                pass  # already closed by the resident
        self.popups = []
        for entry in (self.code, self.card, self.pin):
            entry.delete(0, "end")

    # --- input -----------------------------------------------------------------
    def _request(self, request):
        self.message.configure(text=self.t("busy"))
        self.agent.post("unlock_request", request)

    def _send_code(self):
        code = self.code.get()
        self.code.delete(0, "end")
        self._request({"method": "code", "code": code})

    def _send_card(self):
        card, pin = self.card.get().strip(), self.pin.get().strip()
        self.pin.delete(0, "end")
        self._request({"method": "card", "card": card, "pin": pin})

    # --- events from the controller ------------------------------------------------
    def _poll(self, worker):
        self._polls += 1
        if self._polls % 10 == 1 and hasattr(self.agent, "ping"):
            self.agent.ping()  # from Tk's own loop: a frozen window stops answering
        while True:
            try:
                event = self.events.get_nowait()
            except queue.Empty:
                break
            self._show(event)
        if not worker.is_alive():
            self.root.after(3000 if self.events.empty() else 0, self.root.destroy)
            return
        self.root.after(POLL_MS, self._poll, worker)

    def _show(self, event):
        name, text = event["event"], event.get("message", "")
        if name == "session_started" or (name == "started" and event["state"] == "in_session"):
            self.root.withdraw()
            self._clear()
            self.message.configure(text="")
            if self.timer is None:
                self._countdown()
        elif name in ("locked", "revoked") or (name, event["state"]) == ("ui_restored", "locked"):
            if self.timer is not None:
                self.timer.destroy()
                self.timer = None
            self._clear()
            self.root.deiconify()
            self.root.attributes("-fullscreen", True)
            if name in ("revoked", "ui_restored"):
                self.message.configure(text=text)
            if event.get("status"):
                self.status.configure(text=event["status"])
            self.code.focus_set()
        elif name == "ui_restored":
            self.root.withdraw()
            self._clear()
            if self.timer is None:
                self._countdown()
            if event.get("status"):
                self.status.configure(text=event["status"])
        elif name == "session_ended":
            self._clear()
            self.message.configure(text=text)
        elif name in ("unlock_refused", "enroll_failed"):
            self.message.configure(text=text)
        elif name in ("warning", "message", "session_extended"):
            self._popup(text)
        elif name == "privacy":
            self._notice(event)
        elif name in ("offline", "online", "enrolled"):
            self.status.configure(text=text)
