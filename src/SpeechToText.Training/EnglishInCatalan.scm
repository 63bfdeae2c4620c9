;; Festival: a Catalan voice reads English. Each English word's pronunciation, syllables and stress come from
;; festival's English lexicon (CMU, with its letter-to-sound rules for other words); its phones are replaced by
;; the nearest phones of central Catalan and the word is added to the Catalan voice's lexicon. Catalan has no
;; /h/ (dropped), /θ/ and /ð/ (t, d), /v/ (b) or /ŋ/ (n): the voice speaks English with a Catalan accent.

(set! stt_phone_map
  '((aa a) (ae E) (ah ax) (ao O) (aw a w) (ax ax) (axr ax r) (ay a j) (eh E) (er ax r) (ey e j)
    (ih i) (iy i) (ow o w) (oy O j) (uh u) (uw u)
    (b b) (ch t S) (d d) (dh d) (el ax l) (em ax m) (en ax n) (f f) (g g) (hh) (jh d Z) (k k) (l l) (m m)
    (n n) (nx n) (ng n) (p p) (r r) (s s) (sh S) (t t) (th t) (v b) (w w) (y j) (z z) (zh Z)))

;; The stressed form of each Catalan vowel (a stressed schwa becomes a).
(set! stt_stressed_vowel '((a a1) (e e1) (E E1) (i i1) (o o1) (O O1) (u u1) (ax a1)))

(define (stt_catalan_syllable syllable)
  "An English syllable ((phones) stress) in Catalan phones; the first vowel of a stressed syllable takes its stressed form."
  (let ((stressed (> (car (cdr syllable)) 0)) (phones nil))
    (mapcar
     (lambda (english)
       (mapcar
        (lambda (catalan)
          (let ((vowel (assoc catalan stt_stressed_vowel)))
            (set! phones (cons (if (and vowel stressed) (car (cdr vowel)) catalan) phones))
            (if vowel (set! stressed nil))))
        (cdr (assoc english stt_phone_map))))
     (car syllable))
    (list (reverse phones) (car (cdr syllable)))))

(define (stt_spoken syllables)
  "The syllables that have a phone left."
  (cond ((null syllables) nil)
        ((null (car (car syllables))) (stt_spoken (cdr syllables)))
        (t (cons (car syllables) (stt_spoken (cdr syllables))))))

(define (stt_english_syllables spellings)
  "The English syllables of the first of a word's spellings that the English lexicon pronounces."
  (cond ((null spellings) nil)
        ((car (cdr (cdr (lex.lookup (car spellings) nil)))))
        (t (stt_english_syllables (cdr spellings)))))

(define (stt_catalan_entry word)
  "A Catalan lexicon entry for WORD, a list of the word and its other spellings, or nil if nothing of it is spoken."
  (let ((syllables (stt_spoken (mapcar stt_catalan_syllable (stt_english_syllables word)))))
    (if syllables (list (car word) nil syllables))))

(define (stt_say_english voice words rate file)
  "Says WORDS (each a list of the word and its other spellings) with the Catalan HTS voice VOICE (the name of the
function that selects it) at RATE (1 is its own), and saves the speech as a RIFF file."
  (voice_kal_diphone)
  (let ((entries (mapcar stt_catalan_entry words)))
    (eval (list voice))
    (mapcar (lambda (entry) (if entry (lex.add.entry entry))) entries))
  (set! hts_engine_params (append hts_engine_params (list (list "-r" rate))))
  (utt.save.wave (utt.synth (eval (list 'Utterance 'Words (mapcar car words)))) file 'riff))
