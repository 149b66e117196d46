" TrackJammer for Vim and Neovim: send code to the running REPL.
" Put this file in ~/.vim/plugin/ (Neovim: ~/.config/nvim/plugin/), or :source it.
"   <Leader>e (normal mode)  sends the paragraph under the cursor
"   <Leader>e (visual mode)  sends the selected lines
"   <Leader>E               sends the whole buffer
" What the REPL printed is echoed; an error is shown as an error.

function! s:TrackJammerSend(first, last) abort
  let l:output = system('trackjammer send -', join(getline(a:first, a:last), "\n") . "\n")
  if v:shell_error
    echohl ErrorMsg | echo l:output | echohl None
  else
    echo l:output
  endif
endfunction

command! -range TrackJammerSend call s:TrackJammerSend(<line1>, <line2>)
command! TrackJammerSendParagraph call s:TrackJammerSend(line("'{") + (getline(line("'{")) =~ '^\s*$'), line("'}") - (getline(line("'}")) =~ '^\s*$'))
nnoremap <silent> <Leader>e :TrackJammerSendParagraph<CR>
xnoremap <silent> <Leader>e :TrackJammerSend<CR>
nnoremap <silent> <Leader>E :%TrackJammerSend<CR>
augroup trackjammer
  autocmd!
  autocmd BufRead,BufNewFile *.tj setfiletype trackjammer
augroup END
