namespace SpeechToText.Tests;

/// <summary>
/// The test classes that run with no other test beside them, one after another once the parallel tests are done:
/// those that force garbage collections, and those that must keep real time.
/// </summary>
[CollectionDefinition(nameof(RunsAlone), DisableParallelization = true)]
public sealed class RunsAlone;
