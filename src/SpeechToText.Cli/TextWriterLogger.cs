using Microsoft.Extensions.Logging;

namespace SpeechToText.Cli;

/// <summary>Writes log messages as single lines ("stt: warning: ...") to a text writer (stderr).</summary>
internal sealed class TextWriterLoggerProvider(TextWriter writer) : ILoggerProvider
{
    public ILogger CreateLogger(string categoryName) => new TextWriterLogger(writer);

    public void Dispose()
    {
    }

    sealed class TextWriterLogger(TextWriter writer) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            string level = logLevel switch
            {
                LogLevel.Trace or LogLevel.Debug => "debug: ",
                LogLevel.Information => "",
                LogLevel.Warning => "warning: ",
                _ => "error: ",
            };
            lock (writer)
            {
                writer.WriteLine($"stt: {level}{formatter(state, exception)}");
                if (exception != null && logLevel <= LogLevel.Debug)
                    writer.WriteLine(exception);
            }
        }
    }
}
