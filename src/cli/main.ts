console.log('azl-notifier: CLI under construction');
