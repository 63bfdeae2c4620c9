using SpeechToText.Text;

namespace SpeechToText.Decoding;

/// <summary>
/// Builds a window's prompt: [&lt;|startofprev|&gt;, previous text], &lt;|startoftranscript|&gt;,
/// [language, task] (multilingual models), [&lt;|notimestamps|&gt;].
/// </summary>
public sealed class PromptBuilder(SpecialTokens special, int textContext)
{
    /// <summary>The most previous-text tokens a prompt carries: half the context less one (223 for Whisper).</summary>
    public int MaxPreviousTokens => textContext / 2 - 1;

    /// <summary>
    /// The previous text for a window: the <paramref name="history"/> (the initial prompt's <paramref name="initialTokens"/>
    /// tokens, then every segment's) from <paramref name="resetSince"/> on; with <paramref name="carryInitialPrompt"/>,
    /// the initial prompt always, then as much of the later history since the reset as leaves room for it.
    /// An initial prompt that fills the room itself is followed as the reference follows it (its slice
    /// <c>later[-room:]</c> counts a room of 0 as all of the later history and a room of -n as all but its first n
    /// tokens); <see cref="Build"/> then keeps the last <see cref="MaxPreviousTokens"/> tokens of it all.
    /// </summary>
    public IReadOnlyList<int> Previous(IReadOnlyList<int> history, int initialTokens, int resetSince, bool carryInitialPrompt)
    {
        if (!carryInitialPrompt || initialTokens == 0)
            return [.. history.Skip(resetSince)];
        int room = MaxPreviousTokens - initialTokens;
        var later = history.Skip(Math.Max(initialTokens, resetSince)).ToList();
        var kept = room > 0 ? later.Skip(Math.Max(0, later.Count - room)) : later.Skip(-room);
        return [.. history.Take(initialTokens), .. kept];
    }

    /// <summary>The prompt and the index of &lt;|startoftranscript|&gt; in it.</summary>
    public (IReadOnlyList<int> Tokens, int StartOfTranscriptIndex) Build(
        IReadOnlyList<int> previous, int? languageToken, DecodingTask task, bool timestamps)
    {
        var prompt = new List<int>();
        if (previous.Count > 0 && special.StartOfPrevious != SpecialTokens.Absent)
        {
            prompt.Add(special.StartOfPrevious);
            prompt.AddRange(previous.Skip(Math.Max(0, previous.Count - MaxPreviousTokens)));
        }
        int startIndex = prompt.Count;
        prompt.Add(special.StartOfTranscript);
        if (special.Multilingual)
        {
            prompt.Add(languageToken ?? special.FirstLanguage);
            prompt.Add(task == DecodingTask.Translate ? special.Translate : special.Transcribe);
        }
        if (!timestamps && special.NoTimestamps != SpecialTokens.Absent)
            prompt.Add(special.NoTimestamps);
        return (prompt, startIndex);
    }
}
