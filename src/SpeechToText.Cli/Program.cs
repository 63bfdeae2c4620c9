using SpeechToText.Cli;

return SttApp.Run(args, Console.Out, Console.Error, handleSignals: true);
