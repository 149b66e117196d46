;;; trackjammer.el --- send code to the running TrackJammer REPL  -*- lexical-binding: t -*-
;; Load it from your init file: (load "/path/to/editors/trackjammer.el")
;;   C-c C-c  sends the region if one is active, else the paragraph at point
;;   C-c C-b  sends the whole buffer
;; What the REPL printed shows in the echo area; an error also in *trackjammer*.

(defun trackjammer-send-region (start end)
  "Send the text between START and END to the running REPL."
  (interactive "r")
  (let* ((buffer (get-buffer-create "*trackjammer*"))
         (status (with-current-buffer buffer (erase-buffer) 0)))
    (setq status (call-process-region start end "trackjammer" nil buffer nil "send" "-"))
    (let ((said (string-trim (with-current-buffer buffer (buffer-string)))))
      (if (eq status 0)
          (message "%s" said)
        (display-buffer buffer)
        (message "TrackJammer: %s" said)))))

(defun trackjammer-send-dwim ()
  "Send the region if active, else the paragraph at point."
  (interactive)
  (if (use-region-p)
      (trackjammer-send-region (region-beginning) (region-end))
    (save-excursion
      (let ((end (progn (forward-paragraph) (point)))
            (start (progn (backward-paragraph) (skip-chars-forward " \t\n") (point))))
        (trackjammer-send-region start end)))))

(defun trackjammer-send-buffer ()
  "Send the whole buffer."
  (interactive)
  (trackjammer-send-region (point-min) (point-max)))

(define-minor-mode trackjammer-mode
  "Send TrackJammer code to the running REPL."
  :lighter " TJ"
  :keymap (let ((map (make-sparse-keymap)))
            (define-key map (kbd "C-c C-c") #'trackjammer-send-dwim)
            (define-key map (kbd "C-c C-b") #'trackjammer-send-buffer)
            map))

(add-to-list 'auto-mode-alist '("\\.tj\\'" . trackjammer-mode))

(provide 'trackjammer)
;;; trackjammer.el ends here
