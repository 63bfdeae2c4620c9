namespace SpeechToText;

/// <summary>
/// An input cannot be used: it is missing, empty, corrupt, or in a form this program cannot read.
/// The message names the input and the reason.
/// </summary>
public class AudioInputException : Exception
{
    /// <summary>Creates the exception for <paramref name="input"/> with the given reason.</summary>
    public AudioInputException(string input, string reason, Exception? inner = null)
        : base($"{input}: {reason}", inner)
    {
        Input = input;
        Reason = reason;
    }

    /// <summary>The file name (or "stdin") of the input.</summary>
    public string Input { get; }

    /// <summary>What is wrong with the input, without its name.</summary>
    public string Reason { get; }
}

/// <summary>
/// A WAV file uses a codec the built-in reader does not decode (e.g. ADPCM). Such files can still be
/// decoded through ffmpeg.
/// </summary>
public sealed class UnsupportedWavCodecException(string input, string reason)
    : AudioInputException(input, reason);

/// <summary>A program or native library this operation needs is not installed or cannot be loaded.</summary>
public sealed class MissingDependencyException(string message, Exception? inner = null)
    : Exception(message, inner);
