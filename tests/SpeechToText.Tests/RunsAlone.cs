namespace SpeechToText.Tests;

/// <summary>
/// The test classes that run with no other test beside them, one after another once the parallel tests are done:
/// those that force garbage collections, those that must keep real time, and those that change the process's PATH.
/// </summary>
[CollectionDefinition(nameof(RunsAlone), DisableParallelization = true)]
public sealed class RunsAlone;
